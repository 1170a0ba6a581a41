import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { connectRedisCache, type ChosenCache } from '../lib/cache/create-cache.js';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import { KeyValueSessionCache, TOMBSTONE_TTL_MS } from '../lib/cache/key-value-session-cache.js';
import { CachedSessionStore } from '../lib/session/cached-session-store.js';
import type { SessionRecord } from '../lib/session/session-record.js';
import { QSession, QSessionRevocation, setQSessionUserEntity } from '../lib/index.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { CountingEntries } from './support/counting-entries.js';
import { caches, redisUrl } from './support/matrix.js';
import { SessionQueryCounter } from './support/query-counter.js';
import { IntUser } from './support/users.js';

// What revocations cost, counted: database statements through TypeORM's logger, cache round
// trips as calls to the cache's key-value port (each one round trip on Redis). A sign-out is one
// DELETE and two round trips (the tombstones written, then read back); revoking by id is one owner-scoped DELETE (and no cache write at all
// when the id is not that user's); clearing expired sessions leaves the cache alone.
const describeRedis = caches.includes('redis') ? describe : describe.skip;

setQSessionUserEntity(IntUser);

function newRecord(userId: number, expiresInMs = 3_600_000): SessionRecord {
  const now = Date.now();
  return {
    digest: randomBytes(32).toString('hex'),
    data: JSON.stringify({ userId }),
    userId,
    ip: null,
    userAgent: null,
    expireDate: new Date(now + expiresInMs),
    createdAt: new Date(now),
    updatedAt: new Date(now),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
  };
}

describeRedis('round trips of revocations (cached_db on Redis)', () => {
  const queries = new SessionQueryCounter();
  let dataSource: DataSource;
  let chosen: ChosenCache;
  let counted: CountingEntries;
  let cache: KeyValueSessionCache;
  let store: CachedSessionStore;

  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [IntUser, QSession, QSessionRevocation],
      synchronize: true,
      logger: queries,
    }).initialize();
    await dataSource.getRepository(IntUser).save([
      { id: 1, username: 'one' },
      { id: 2, username: 'two' },
    ]);
    chosen = await connectRedisCache(redisUrl);
    counted = new CountingEntries(chosen.entries);
    // Without the guarantee, whose background check makes calls of its own that would be counted:
    // the healthy path, which it adds nothing to, is what is measured.
    cache = new KeyValueSessionCache(
      counted,
      {
        keys: new CacheKeys(`round-trips:${randomBytes(4).toString('hex')}:`),
        epochReach: 'all',
        timeoutMs: 2000,
        tombstoneTtlMs: TOMBSTONE_TTL_MS,
      },
      { warn: () => undefined },
    );
    store = new CachedSessionStore(new TypeOrmSessionStore(dataSource), cache);
  });
  afterAll(async () => {
    cache?.close();
    await chosen?.close();
    await dataSource?.destroy();
  });

  /** Cache calls and session statements made by `action`. */
  async function cost(action: () => Promise<unknown>): Promise<{ cache: number; statements: string[] }> {
    const before = counted.calls;
    queries.reset();
    await action();
    return { cache: counted.calls - before, statements: [...queries.queries] };
  }

  it('a sign-out (one session deleted) is one DELETE and two cache round trips', async () => {
    const record = newRecord(1);
    await store.create(record);
    const { cache: trips, statements } = await cost(() => store.delete([record.digest]));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^DELETE/);
    expect(trips).toBe(2);
    expect(await cache.get(record.digest)).toEqual({ kind: 'revoked' });
  });

  it("revoking by id is one owner-scoped DELETE; another user's id writes nothing to the cache", async () => {
    const mine = newRecord(1);
    const theirs = newRecord(2);
    await store.create(mine);
    await store.create(theirs);

    const own = await cost(async () => expect(await store.deleteOfUser(1, mine.digest)).toBe(true));
    expect(own.statements).toHaveLength(1);
    expect(own.statements[0]).toMatch(/^DELETE/);
    expect(own.cache).toBe(2);

    const foreign = await cost(async () => expect(await store.deleteOfUser(1, theirs.digest)).toBe(false));
    expect(foreign.statements).toHaveLength(1);
    expect(foreign.cache).toBe(0);
    // Still there, and still served.
    expect(await store.get(theirs.digest)).not.toBeNull();
  });

  it('an expired session is not revoked by id, and clearing expired sessions makes no cache call', async () => {
    const expired = newRecord(1, 50);
    await store.create(expired);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.deleteOfUser(1, expired.digest)).toBe(false);
    const sweep = await cost(() => store.deleteExpiredBatch(100));
    expect(sweep.cache).toBe(0);
    expect(await store.get(expired.digest)).toBeNull();
  });
});
