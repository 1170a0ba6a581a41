import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { connectRedisCache, type ChosenCache } from '../lib/cache/create-cache.js';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import { KeyValueSessionCache } from '../lib/cache/key-value-session-cache.js';
import { RedisEntries, type RedisCommands } from '../lib/cache/redis-entries.js';
import { caches, redisUrl } from './support/matrix.js';

// The session cache talks to Redis straight on the client, in the library's own value format (the
// JSON of the value; Redis keeps the lifetime). Values an earlier version left in Keyv's envelope
// must read as a miss for a record (the database answers), never as an error.
const describeRedis = caches.includes('redis') ? describe : describe.skip;

describeRedis('RedisEntries (the Redis cache, straight on the client)', () => {
  let chosen: ChosenCache;
  let raw: ReturnType<typeof createClient>;
  let prefix: string;

  beforeAll(async () => {
    chosen = await connectRedisCache(redisUrl);
    raw = createClient({ url: redisUrl });
    await raw.connect();
  });
  afterAll(async () => {
    await chosen.close();
    await raw.close();
  });
  beforeEach(() => {
    prefix = `qsessions-entries-test:${randomUUID()}:`;
  });
  afterEach(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(keys);
  });

  const values = [
    1,
    { d: '{"views":3}', u: 42, i: '10.0.0.1', a: 'Mozilla/5.0', e: 1_900_000_000_000, ep: 0 },
    // Strings starting with ':' were escaped by Keyv's serializer; the own format keeps them as they are.
    { d: ':base64:AAAA', u: ':user', i: null, a: null, e: 1, c: 2, m: 3 },
    'plain text',
  ];

  it('writes the JSON of each value, no envelope, and reads it back', async () => {
    const keys = values.map((_, index) => `${prefix}${index}`);
    await chosen.entries.setMany(values.map((value, index) => ({ key: keys[index]!, value, ttlMs: 60_000 })));
    expect(await raw.mGet(keys)).toEqual(values.map((value) => JSON.stringify(value)));
    expect(await chosen.entries.getMany(keys)).toEqual(values);
  });

  it("reads what an earlier version left in Keyv's envelope as a miss for a record, and a tombstone as revoked", async () => {
    const keys = new CacheKeys(prefix);
    const cache = new KeyValueSessionCache(
      chosen.entries,
      { keys, timeoutMs: 2000, tombstoneTtlMs: 60_000, epochReach: 'all' },
      { warn: (message) => expect(message).toBeUndefined() },
    );
    const [old, revoked, garbled] = ['old', 'revoked', 'garbled'];
    const envelope = (value: unknown) => JSON.stringify({ value, expires: Date.now() + 60_000 });
    await raw.set(keys.record(old), envelope(values[1]));
    await raw.set(keys.epoch, envelope(5));
    await raw.set(keys.record(revoked), envelope(values[1]));
    await raw.set(keys.tombstone(revoked), envelope(1));
    // Not JSON at all: still no error.
    await raw.set(keys.record(garbled), ':base64:AAAA');
    try {
      expect(await cache.get(old)).toEqual({ kind: 'miss' });
      expect(await cache.get(revoked)).toEqual({ kind: 'revoked' });
      expect(await cache.get(garbled)).toEqual({ kind: 'miss' });
      expect(await chosen.entries.getMany([keys.record(garbled)])).toEqual([':base64:AAAA']);
    } finally {
      cache.close();
    }
  });

  it('answers undefined for absent keys, in the order asked', async () => {
    await chosen.entries.setMany([{ key: `${prefix}b`, value: 'B' }]);
    expect(await chosen.entries.getMany([`${prefix}a`, `${prefix}b`, `${prefix}c`])).toEqual([
      undefined,
      'B',
      undefined,
    ]);
  });

  it('sets the Redis expiry from ttlMs, and none without one', async () => {
    await chosen.entries.setMany([
      { key: `${prefix}ttl`, value: 1, ttlMs: 90_000.4 },
      { key: `${prefix}forever`, value: 2 },
    ]);
    const pttl = await raw.pTTL(`${prefix}ttl`);
    expect(pttl).toBeGreaterThan(85_000);
    expect(pttl).toBeLessThanOrEqual(90_001);
    expect(await raw.pTTL(`${prefix}forever`)).toBe(-1);
    expect(await raw.get(`${prefix}forever`)).toBe('2');
  });

  it('reads through a client given directly, as the near cache tests do', async () => {
    await raw.set(`${prefix}k`, '"v"', { expiration: { type: 'PX', value: 60_000 } });
    const client = () => raw as unknown as RedisCommands;
    expect(await new RedisEntries(client).getMany([`${prefix}k`, `${prefix}none`])).toEqual(['v', undefined]);
  });

  it('setThenGet reads after its own write, and sees what another client wrote before it', async () => {
    // Reading the key just written proves the read runs after the write, not beside it.
    expect(await chosen.entries.setThenGet({ key: `${prefix}x`, value: 'new', ttlMs: 60_000 }, `${prefix}x`)).toBe(
      'new',
    );
    await raw.set(`${prefix}tomb`, '1');
    expect(await chosen.entries.setThenGet({ key: `${prefix}y`, value: 'v', ttlMs: 60_000 }, `${prefix}tomb`)).toBe(1);
    expect(await chosen.entries.setThenGet({ key: `${prefix}z`, value: 'v', ttlMs: 60_000 }, `${prefix}none`)).toBe(
      undefined,
    );
  });

  it('deletes many keys at once, and nothing when given none', async () => {
    await chosen.entries.setMany([1, 2, 3].map((n) => ({ key: `${prefix}${n}`, value: n })));
    await chosen.entries.deleteMany([`${prefix}1`, `${prefix}3`]);
    await chosen.entries.deleteMany([]);
    expect(await raw.keys(`${prefix}*`)).toEqual([`${prefix}2`]);
  });

  it('rejects when Redis cannot be reached (the session cache then falls back to the database)', async () => {
    const down = await connectRedisCache('redis://127.0.0.1:1');
    try {
      await expect(down.entries.getMany([`${prefix}a`])).rejects.toThrow();
      await expect(down.entries.setMany([{ key: `${prefix}a`, value: 1 }])).rejects.toThrow();
    } finally {
      await down.close();
    }
  });
});
