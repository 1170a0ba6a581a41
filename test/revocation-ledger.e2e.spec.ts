import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { DataSource } from 'typeorm';
import { connectRedisCache, type ChosenCache } from '../lib/cache/create-cache.js';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import { KeyValueSessionCache, TOMBSTONE_TTL_MS } from '../lib/cache/key-value-session-cache.js';
import { CachedSessionStore } from '../lib/session/cached-session-store.js';
import type { SessionRecord } from '../lib/session/session-record.js';
import { QSession, QSessionRevocation, setQSessionUserEntity } from '../lib/index.js';
import { TypeOrmRevocationLedger } from '../lib/typeorm/typeorm-revocation-ledger.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { caches } from './support/matrix.js';
import { PrivateRedis } from './support/redis-server.js';
import { TcpGate } from './support/tcp-gate.js';
import { IntUser } from './support/users.js';

// The revocation ledger at the level of the engine's parts, with a clock the test moves: two
// "processes" (each its own Redis connection, KeyValueSessionCache and CachedSessionStore) share
// one SQLite database and one private redis-server. The first reaches Redis through a gate the
// test cuts. What it proves:
// - a revocation made while the cut lasts longer than the tombstone lifetime is never dropped:
//   held in the database, it is written to Redis when the cut heals, and the record Redis still
//   held (with its full lifetime) is gone;
// - the process that never saw the outage refuses the session from the moment the revocation
//   returned, because it wrote the held revocation to Redis itself;
// - a Redis emptied behind the processes' backs (FLUSHALL: tombstones gone) moves the epoch, so a
//   record written back from before is not served.
const describeRedis = caches.includes('redis') ? describe : describe.skip;

setQSessionUserEntity(IntUser);

const TIMINGS = { checkEveryMs: 100, trustMs: 400 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newRecord(now: number): SessionRecord {
  return {
    digest: randomBytes(32).toString('hex'),
    data: JSON.stringify({ userId: 1 }),
    userId: 1,
    ip: null,
    userAgent: null,
    expireDate: new Date(now + 14 * 24 * 3_600_000),
    createdAt: new Date(now),
    updatedAt: new Date(now),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
  };
}

interface Proc {
  chosen: ChosenCache;
  cache: KeyValueSessionCache;
  store: CachedSessionStore;
}

describeRedis('held revocations (qsessions_revocation) with a real Redis', () => {
  let redis: PrivateRedis;
  let gate: TcpGate;
  let dataSource: DataSource;
  let ledger: TypeOrmRevocationLedger;
  let offset = 0;
  const clock = () => Date.now() + offset;
  const procs: Proc[] = [];

  async function start(url: string): Promise<Proc> {
    const chosen = await connectRedisCache(url);
    const cache = new KeyValueSessionCache(
      chosen.entries,
      {
        keys: new CacheKeys('ledger-test:'),
        epochReach: 'all',
        timeoutMs: 150,
        tombstoneTtlMs: TOMBSTONE_TTL_MS,
        retryMs: 100,
        guarantee: { ledger, timings: TIMINGS, onConnectionLost: chosen.onConnectionLost },
      },
      { warn: () => undefined },
      clock,
    );
    const proc = {
      chosen,
      cache,
      store: new CachedSessionStore(new TypeOrmSessionStore(dataSource, clock), cache, clock),
    };
    procs.push(proc);
    return proc;
  }

  /** Resolves once `proc` serves records from Redis again (its trust check succeeded). */
  async function trusted(proc: Proc, digest: string): Promise<void> {
    const deadline = Date.now() + 5000;
    // Read through the store: a miss refills the cache under the current epoch.
    while ((await proc.store.get(digest)) === null || (await proc.cache.get(digest)).kind !== 'hit') {
      if (Date.now() > deadline) throw new Error('the process never trusted the cache');
      await sleep(50);
    }
  }

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    gate = await TcpGate.start(redis.port);
    dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [IntUser, QSession, QSessionRevocation],
      synchronize: true,
    }).initialize();
    await dataSource.getRepository(IntUser).save({ id: 1, username: 'ledger' });
    ledger = new TypeOrmRevocationLedger(dataSource, clock);
  });
  afterAll(async () => {
    for (const proc of procs) {
      proc.cache.close();
      await proc.chosen.close();
    }
    await gate?.close();
    await redis?.stop();
    await dataSource?.destroy();
  });

  it('a revocation made during a cut longer than the tombstone lifetime is written when it heals, never dropped', async () => {
    const cutOff = await start(`redis://127.0.0.1:${gate.port}`);
    const connected = await start(redis.url);
    const record = newRecord(clock());
    await cutOff.store.create(record);
    await trusted(cutOff, record.digest);
    await trusted(connected, record.digest);

    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const recordKey = `ledger-test:s:${record.digest}`;
      const cachedText = await raw.get(recordKey);
      expect(cachedText).not.toBeNull();

      gate.cut();
      const startedAt = Date.now();
      expect(await cutOff.store.delete([record.digest])).toBe(1);
      // Held in the database and waited out: by now the connected process has written it to Redis.
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(TIMINGS.trustMs);
      expect(await connected.store.get(record.digest)).toBeNull();

      // The outage outlasts the tombstone lifetime: the tombstone lapses (deleted here), and the
      // record is back with its full lifetime, as a Redis restored from a snapshot would have it;
      // the cut-off process still holds its revocation (a second one, held as the first was).
      offset += TOMBSTONE_TTL_MS + 60_000;
      await raw.del(`ledger-test:r:${record.digest}`);
      await raw.set(recordKey, cachedText!, { PX: 14 * 24 * 3_600_000 });
      await ledger.hold([record.digest]);
      gate.restore();
      // Whichever process checks first writes the held revocation: the ledger empties...
      const deadline = Date.now() + 5000;
      while ((await ledger.held(10)).length > 0) {
        if (Date.now() > deadline) throw new Error('the held revocation was never written to Redis');
        await sleep(50);
      }
      // ...and Redis has the tombstone, not the record.
      expect(await raw.exists(`ledger-test:r:${record.digest}`)).toBe(1);
      expect(await raw.exists(recordKey)).toBe(0);
    } finally {
      gate.restore();
      await raw.quit();
    }
    for (const proc of [cutOff, connected]) expect(await proc.store.get(record.digest)).toBeNull();
  });

  it('a Redis that lost its data moves the epoch: a record from before it is re-read from the database', async () => {
    const proc = await start(redis.url);
    const record = newRecord(clock());
    await proc.store.create(record);
    await trusted(proc, record.digest);
    // The row goes by raw SQL (nothing tells the cache), then Redis is flushed and the old record
    // written back, as a restore from an older snapshot would leave it.
    await dataSource.query('DELETE FROM qsessions_session WHERE session_key = ?', [record.digest]);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const stored = await raw.get(`ledger-test:s:${record.digest}`);
      await raw.flushAll();
      await raw.set(`ledger-test:s:${record.digest}`, stored!);
    } finally {
      await raw.quit();
    }
    // The next check finds the incarnation key missing and moves the epoch.
    const deadline = Date.now() + 5000;
    while ((await proc.cache.get(record.digest)).kind === 'hit') {
      if (Date.now() > deadline) throw new Error('the flushed Redis was never noticed');
      await sleep(50);
    }
    expect(await proc.store.get(record.digest)).toBeNull();
  });
});
