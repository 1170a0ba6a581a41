import { randomBytes, randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { CacheEntries } from '../lib/cache/cache-entries.js';
import { connectRedisCache, type ChosenCache } from '../lib/cache/create-cache.js';
import { RedisEntries, type RedisCommands } from '../lib/cache/redis-entries.js';
import { RedisKeyTracking, type TrackableRedisClient } from '../lib/cache/redis-key-tracking.js';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import { KeyValueSessionCache } from '../lib/cache/key-value-session-cache.js';
import { NearCacheEntries } from '../lib/cache/near-cache-entries.js';
import type { SessionRecord } from '../lib/session/session-record.js';
import { CountingEntries } from './support/counting-entries.js';
import { caches, redisUrl } from './support/matrix.js';

// The near cache on a real Redis, with two "processes" A and B (each its own connection, key
// tracking, near cache and session cache, as two app instances would have). What it proves:
// - B serves a record it read once from its own copy, with no round trip to Redis;
// - whatever A changes (a revocation, an update, deleting users) B sees on its very next read,
//   because Redis pushes the invalidation to B before A's write returns;
// - a lost connection (a real CLIENT KILL) drops B's copies, and after the reconnect B copies
//   and sees changes again;
// - past the trust window (no proof the connection still delivers) copies are not answered;
// - a server that refuses CLIENT TRACKING is warned about once and every read asks Redis.
// Round trips are counted by a decorator around the CacheEntries the session cache reads through.
const describeRedis = caches.includes('redis') ? describe : describe.skip;

type RawClient = ReturnType<typeof createClient>;

/** A logger that keeps its warnings (the WarningSink shape, plus what Nest's Logger also has). */
function capturingLogger(): { warnings: string[]; warn(message: string): void; log(): void; error(): void } {
  const warnings: string[] = [];
  return { warnings, warn: (message: string) => warnings.push(message), log() {}, error() {} };
}

/** One app instance: its own Redis connection, key tracking and session cache. */
interface Proc {
  chosen: ChosenCache;
  counted: CountingEntries;
  cache: KeyValueSessionCache;
  /** The near cache: the layer of the Redis adapter that keeps this process's copies. */
  near: NearCacheEntries;
  tracking: RedisKeyTracking;
  warnings: string[];
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function sessionCache(entries: CacheEntries, keyPrefix: string, tracking: RedisKeyTracking, logger: object) {
  const keys = new CacheKeys(keyPrefix);
  // Room for 100 sessions: each leaves copies of its record, tombstone and absence mark.
  const near = new NearCacheEntries(entries, keys, tracking, 300);
  const cache = new KeyValueSessionCache(
    near,
    { keys, timeoutMs: 2000, tombstoneTtlMs: 60_000, epochReach: 'all' },
    logger as { warn(message: string): void },
  );
  return { cache, near };
}

/** Starts a process on `url`; with `tracked`, waits until Redis tracks its keys. */
async function startProc(url: string, keyPrefix: string, { tracked = true } = {}): Promise<Proc> {
  const logger = capturingLogger();
  const chosen = await connectRedisCache(url, { trackKeys: { logger, keyPrefix } });
  const tracking = chosen.keyTracking!;
  expect(tracking).toBeInstanceOf(RedisKeyTracking);
  const counted = new CountingEntries(chosen.entries);
  const { cache, near } = sessionCache(counted, keyPrefix, tracking, logger);
  // The client connects on first use; tracking is turned on once it is ready.
  await cache.get('warm-up');
  if (tracked) await waitFor('tracking is on', () => tracking.session() !== null);
  counted.getManyCalls = 0;
  return { chosen, counted, cache, near, tracking, warnings: logger.warnings };
}

async function stopProc(proc: Proc | undefined): Promise<void> {
  if (!proc) return;
  proc.cache.close();
  await proc.chosen.close();
}

/** The node-redis client a process's RedisEntries sends its commands on (the one tracking is on). */
async function rawClientOf(proc: Proc): Promise<RawClient> {
  const entries = proc.chosen.entries as unknown as { client: () => RawClient | Promise<RawClient> };
  return entries.client();
}

function newDigest(): string {
  return randomBytes(32).toString('hex');
}

function record(digest: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    digest,
    data: '{"views":1}',
    userId: 42,
    ip: '203.0.113.9',
    userAgent: 'UA',
    expireDate: new Date(now + 3_600_000),
    createdAt: new Date(now),
    updatedAt: new Date(now),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
    ...overrides,
  };
}

describeRedis('The near cache (a layer of the Redis adapter) on Redis (CLIENT TRACKING)', () => {
  let admin: RawClient;
  let prefix: string;
  let a: Proc | undefined;
  let b: Proc | undefined;

  beforeAll(async () => {
    admin = createClient({ url: redisUrl });
    admin.on('error', () => undefined);
    await admin.connect();
  });
  afterAll(async () => {
    await admin.close();
  });
  beforeEach(() => {
    prefix = `qsessions-near-test:${randomUUID()}:`;
    a = undefined;
    b = undefined;
  });
  afterEach(async () => {
    await stopProc(a);
    await stopProc(b);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(keys);
  });

  async function startBoth(): Promise<{ a: Proc; b: Proc }> {
    a = await startProc(redisUrl, prefix);
    b = await startProc(redisUrl, prefix);
    return { a, b };
  }

  /** B reads `digest` from Redis, then once more from its copy; returns what it read. */
  async function copyIntoB(proc: Proc, digest: string): Promise<SessionRecord> {
    const before = proc.counted.getManyCalls;
    const first = await proc.cache.get(digest);
    expect(first.kind).toBe('hit');
    expect(proc.counted.getManyCalls).toBe(before + 1);
    const second = await proc.cache.get(digest);
    expect(second).toEqual(first);
    // Answered from the copy: no round trip.
    expect(proc.counted.getManyCalls).toBe(before + 1);
    return (first as { record: SessionRecord }).record;
  }

  it('serves a record set by A from B’s copy after one read from Redis', async () => {
    const { a, b } = await startBoth();
    const digest = newDigest();
    const stored = record(digest);
    await a.cache.set(stored);

    expect(await b.cache.get(digest)).toEqual({ kind: 'hit', record: stored });
    expect(b.counted.getManyCalls).toBe(1);
    expect(b.near.recordCopyCount).toBe(1);
    for (let i = 0; i < 5; i++) expect(await b.cache.get(digest)).toEqual({ kind: 'hit', record: stored });
    expect(b.counted.getManyCalls).toBe(1);
    expect(b.near.recordCopyCount).toBe(1);
  });

  it('answers "revoked" on B’s very next read after A revoked (50 fresh sessions, so a race would show)', async () => {
    const { a, b } = await startBoth();
    for (let i = 0; i < 50; i++) {
      const digest = newDigest();
      await a.cache.set(record(digest, { data: `{"n":${i}}` }));
      await copyIntoB(b, digest);
      await a.cache.revoke([digest]);
      expect({ i, lookup: await b.cache.get(digest) }).toEqual({ i, lookup: { kind: 'revoked' } });
    }
    expect(b.near.recordCopyCount).toBe(0);
  });

  it('answers A’s update on B’s next read, then serves the new data from B’s copy', async () => {
    const { a, b } = await startBoth();
    const digest = newDigest();
    await a.cache.set(record(digest, { data: '{"views":1}' }));
    expect((await copyIntoB(b, digest)).data).toBe('{"views":1}');

    const updated = record(digest, { data: '{"views":2}' });
    await a.cache.set(updated);
    // set() is one round trip for A, and Redis's push to B travels on another socket, so it can
    // still be on its way when A's reply is in (B then served the old copy in about 1 read of 10
    // when this test read at once). A round trip on B's own connection orders it: the push for a
    // write made before B's PING arrives before the PING's reply. (revoke() and
    // invalidateUserSessions() need no such step: they make further round trips after the write.)
    await (await rawClientOf(b)).sendCommand(['PING']);
    const reads = b.counted.getManyCalls;
    expect(await b.cache.get(digest)).toEqual({ kind: 'hit', record: updated });
    expect(b.counted.getManyCalls).toBe(reads + 1);
    expect(await b.cache.get(digest)).toEqual({ kind: 'hit', record: updated });
    expect(b.counted.getManyCalls).toBe(reads + 1);
  });

  it('after A moves the epoch (users deleted), B drops every copy and asks Redis again, then the database', async () => {
    const { a, b } = await startBoth();
    const signedIn = newDigest();
    const anonymous = newDigest();
    await a.cache.set(record(signedIn, { userId: 7 }));
    await a.cache.set(record(anonymous, { userId: null }));
    await copyIntoB(b, signedIn);
    await copyIntoB(b, anonymous);
    expect(b.near.recordCopyCount).toBe(2);

    await a.cache.invalidateUserSessions();
    await (await rawClientOf(b)).sendCommand(['PING']);
    expect(b.near.recordCopyCount).toBe(0);
    const reads = b.counted.getManyCalls;
    // Cached under the old epoch: the database must say whether the session (and its user) still exists.
    expect(await b.cache.get(signedIn)).toEqual({ kind: 'miss' });
    expect(await b.cache.get(anonymous)).toEqual({ kind: 'miss' });
    expect(b.counted.getManyCalls).toBe(reads + 2);
  });

  it('drops B’s copies when its connection is killed, and copies and sees revocations again after the reconnect', async () => {
    const { a, b } = await startBoth();
    const digest = newDigest();
    await a.cache.set(record(digest));
    await copyIntoB(b, digest);
    expect(b.near.recordCopyCount).toBe(1);

    const client = await rawClientOf(b);
    const oldId = Number(await client.sendCommand(['CLIENT', 'ID']));
    const oldSession = b.tracking.session();
    expect(oldSession).not.toBeNull();
    expect(Number(await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(oldId)]))).toBe(1);

    await waitFor('B dropped its copies', () => b.near.recordCopyCount === 0);
    await waitFor('B tracks keys again on a new connection', () => b.tracking.session() !== null, 10_000);
    expect(b.tracking.session()).not.toBe(oldSession);
    expect(Number(await client.sendCommand(['CLIENT', 'ID']))).not.toBe(oldId);

    await copyIntoB(b, digest);
    expect(b.near.recordCopyCount).toBe(1);
    await a.cache.revoke([digest]);
    expect(await b.cache.get(digest)).toEqual({ kind: 'revoked' });
  });

  describe('the trust window', () => {
    let fresh: RawClient | undefined;
    let tracking: RedisKeyTracking | undefined;
    afterEach(async () => {
      tracking?.close();
      tracking = undefined;
      await fresh?.close();
      fresh = undefined;
    });

    /** A RedisKeyTracking on its own connected RESP3 client, on a clock the test moves. */
    async function trackedCache(heartbeatMs: number, clock: { now: number }) {
      fresh = createClient({ url: redisUrl, RESP: 3, emitInvalidate: true });
      fresh.on('error', () => undefined);
      await fresh.connect();
      const logger = capturingLogger();
      tracking = new RedisKeyTracking(
        fresh as unknown as TrackableRedisClient,
        { heartbeatMs, trustMs: 1000 },
        () => clock.now,
      );
      const client = fresh;
      const counted = new CountingEntries(new RedisEntries(() => client as unknown as RedisCommands));
      const { cache } = sessionCache(counted, prefix, tracking, logger);
      await waitFor('tracking is on', () => tracking!.session() !== null);
      return { tracking, counted, cache, logger };
    }

    it('stops answering copies once no proof came within trustMs, and asks Redis instead', async () => {
      const clock = { now: 1_000_000 };
      const { tracking, counted, cache, logger } = await trackedCache(3_600_000, clock);
      const digest = newDigest();
      const stored = record(digest);
      await cache.set(stored);
      expect(await cache.get(digest)).toEqual({ kind: 'hit', record: stored });
      expect(await cache.get(digest)).toEqual({ kind: 'hit', record: stored });
      expect(counted.getManyCalls).toBe(1);

      clock.now += 999;
      expect(tracking.session()).not.toBeNull();
      clock.now += 2;
      expect(tracking.session()).toBeNull();
      expect(await cache.get(digest)).toEqual({ kind: 'hit', record: stored });
      expect(counted.getManyCalls).toBe(2);
      expect(await cache.get(digest)).toEqual({ kind: 'hit', record: stored });
      expect(counted.getManyCalls).toBe(3);
      expect(logger.warnings).toEqual([]);
    });

    it('trusts the same copies again once a heartbeat is answered', async () => {
      const clock = { now: 1_000_000 };
      const { tracking, counted, cache } = await trackedCache(20, clock);
      const digest = newDigest();
      await cache.set(record(digest));
      await cache.get(digest);
      expect(counted.getManyCalls).toBe(1);
      const session = tracking.session();

      clock.now += 5000;
      expect(tracking.session()).toBeNull();
      // The next PING is sent at the moved clock; its answer proves the connection again.
      await waitFor('a heartbeat is answered', () => tracking.session() !== null);
      expect(tracking.session()).toBe(session);
      expect((await cache.get(digest)).kind).toBe('hit');
      expect(counted.getManyCalls).toBe(1);
    });
  });

  describe('a server that refuses CLIENT TRACKING', () => {
    const user = `qsessions-near-test-${randomUUID()}`;
    let url: string;

    beforeAll(async () => {
      await admin.sendCommand(['ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-client|tracking']);
      const parsed = new URL(redisUrl);
      parsed.username = user;
      parsed.password = 'pw';
      url = parsed.toString();
    });
    afterAll(async () => {
      await admin.sendCommand(['ACL', 'DELUSER', user]);
    });

    /** How many times Redis refused a command of `user` (its ACL log groups repeats into one entry). */
    async function refusals(): Promise<number> {
      const log = (await admin.sendCommand(['ACL', 'LOG'])) as unknown[][];
      let count = 0;
      for (const entry of log) {
        const fields = new Map<string, unknown>();
        for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
        if (fields.get('username') === user && fields.get('object') === 'client|tracking') {
          count += Number(fields.get('count'));
        }
      }
      return count;
    }

    it('warns once, falls back to a plain connection, and reads through Redis every time', async () => {
      const refusedBefore = await refusals();
      const proc = await startProc(url, prefix, { tracked: false });
      b = proc;
      await waitFor('the refusal is warned about', () => proc.warnings.some((m) => /CLIENT TRACKING/.test(m))).catch(
        (error: Error) => {
          throw new Error(`${error.message}; warnings so far: ${JSON.stringify(proc.warnings)}`);
        },
      );
      expect(await refusals()).toBeGreaterThan(refusedBefore);
      const trackingWarnings = () => proc.warnings.filter((message) => /CLIENT TRACKING/.test(message));
      expect(trackingWarnings()).toHaveLength(1);
      expect(trackingWarnings()[0]).toMatch(/cache\.nearCache: false/);
      // The connection's password never reaches the log.
      expect(proc.warnings.join('\n')).not.toContain('pw@');
      expect(proc.tracking.session()).toBeNull();

      // The replacement connection serves the cache (once the breaker lets it be tried again).
      const digest = newDigest();
      const stored = record(digest);
      await waitFor(
        'the cache answers through the plain connection',
        async () => {
          await proc.cache.set(stored);
          return (await proc.cache.get(digest)).kind === 'hit';
        },
        10_000,
      );
      const reads = proc.counted.getManyCalls;
      for (let i = 1; i <= 3; i++) {
        expect(await proc.cache.get(digest)).toEqual({ kind: 'hit', record: stored });
        expect(proc.counted.getManyCalls).toBe(reads + i);
      }
      expect(proc.near.recordCopyCount).toBe(0);

      // A new connection of the replacement client is not refused: no second warning.
      const refusedNow = await refusals();
      await admin.sendCommand(['CLIENT', 'KILL', 'USER', user]);
      await waitFor(
        'the cache answers again after the reconnect',
        async () => {
          return (await proc.cache.get(digest)).kind === 'hit';
        },
        10_000,
      );
      expect(await refusals()).toBe(refusedNow);
      expect(trackingWarnings()).toHaveLength(1);
      expect(proc.tracking.session()).toBeNull();
    });
  });
});
