import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { connectRedisCache, type ChosenCache } from '../lib/cache/create-cache.js';
import { RedisEntries, type RedisCommands } from '../lib/cache/redis-entries.js';
import { caches, redisUrl } from './support/matrix.js';

// The session cache talks to Redis straight on the client, while the maintenance commands (and
// processes of an earlier release) go through cache-manager and Keyv: both must read each other.
const describeRedis = caches.includes('redis') ? describe : describe.skip;

describeRedis('RedisEntries (the Redis cache, past cache-manager and Keyv)', () => {
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
    // Keyv's own serializer escapes strings that start with ':'.
    { d: ':base64:AAAA', u: ':user', i: null, a: null, e: 1, c: 2, m: 3 },
    'plain text',
  ];

  it('reads what cache-manager wrote, and cache-manager reads what it wrote, as the same text', async () => {
    const keys = values.map((_, index) => `${prefix}${index}`);
    for (const [index, value] of values.entries()) await chosen.cache.set(keys[index]!, value, 60_000);
    expect(await chosen.entries.getMany(keys)).toEqual(values);
    const textsThroughKeyv = await raw.mGet(keys);

    await raw.del(keys);
    await chosen.entries.setMany(values.map((value, index) => ({ key: keys[index]!, value, ttlMs: 60_000 })));
    expect(await chosen.cache.mget(keys)).toEqual(values);
    // The same envelope; only the expiry instants differ.
    const withoutExpiry = (text: string | null) => text?.replace(/"expires":\d+/, '"expires":0');
    expect((await raw.mGet(keys)).map(withoutExpiry)).toEqual(textsThroughKeyv.map(withoutExpiry));
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
    expect(await raw.get(`${prefix}forever`)).toBe('{"value":2}');
  });

  it('treats an entry past its Keyv expiry as absent even while Redis still holds it', async () => {
    await chosen.cache.set(`${prefix}k`, 'v', 60_000);
    const client = () => raw as unknown as RedisCommands;
    expect(await new RedisEntries(client, () => Date.now() + 30_000).getMany([`${prefix}k`])).toEqual(['v']);
    expect(await new RedisEntries(client, () => Date.now() + 61_000).getMany([`${prefix}k`])).toEqual([undefined]);
  });

  it('setThenGet reads after its own write, and sees what another client wrote before it', async () => {
    // Reading the key just written proves the read runs after the write, not beside it.
    expect(await chosen.entries.setThenGet({ key: `${prefix}x`, value: 'new', ttlMs: 60_000 }, `${prefix}x`)).toBe(
      'new',
    );
    await raw.set(`${prefix}tomb`, '{"value":1}');
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
