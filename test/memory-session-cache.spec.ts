import { CacheKeys } from '../lib/cache/cache-keys.js';
import { createSessionCache } from '../lib/cache/create-session-cache.js';
import { MemoryEntries } from '../lib/cache/memory-entries.js';
import { TOMBSTONE_TTL_MS } from '../lib/cache/key-value-session-cache.js';
import type { SessionCache } from '../lib/session/session-cache.js';
import type { SessionRecord } from '../lib/session/session-record.js';

// The cached_db engine's built-in in-memory cache (the one session cache over MemoryEntries): the
// same rules as the shared caches (tombstones outlive in-flight requests, the user epoch, expiry),
// bounded in size.

const TOMBSTONE_TTL = TOMBSTONE_TTL_MS;

function record(digest: string, overrides: Partial<SessionRecord> = {}, clock = 0): SessionRecord {
  return {
    digest,
    data: '{"a":1}',
    userId: 7,
    ip: '203.0.113.9',
    userAgent: 'UA',
    expireDate: new Date(clock + 3_600_000),
    createdAt: new Date(clock),
    updatedAt: new Date(clock),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
    ...overrides,
  };
}

describe('the in-memory session cache', () => {
  let clock: number;
  let cache: SessionCache;
  beforeEach(() => {
    clock = 1_000_000;
    const logger = {
      warn: (message: string) => {
        throw new Error(message);
      },
    };
    cache = createSessionCache(null, { keyPrefix: 'unused:', maxEntries: 3, timeoutMs: 100, logger, now: () => clock });
  });

  it('answers a cached record with a copy the caller may change', async () => {
    await cache.set(record('a', {}, clock));
    const first = await cache.get('a');
    expect(first).toEqual({ kind: 'hit', record: record('a', {}, clock) });
    if (first.kind === 'hit') {
      first.record.data = 'changed';
      first.record.expireDate.setTime(0);
      first.record.updatedAt.setTime(0);
    }
    expect(await cache.get('a')).toEqual({ kind: 'hit', record: record('a', {}, clock) });
    expect(await cache.get('b')).toEqual({ kind: 'miss' });
  });

  it('answers what was stored, whatever the caller later does to the record it stored', async () => {
    const stored = record('a', { userId: 'uuid-1', ip: null, userAgent: null }, clock);
    await cache.set(stored);
    stored.data = 'changed';
    stored.createdAt.setTime(0);
    expect(await cache.get('a')).toEqual({
      kind: 'hit',
      record: record('a', { userId: 'uuid-1', ip: null, userAgent: null }, clock),
    });
  });

  it('looks the digest up after yielding to the event loop, so a revocation made meanwhile counts', async () => {
    await cache.set(record('a', {}, clock));
    const lookup = cache.get('a');
    // Revoked after the lookup started, before it yielded back.
    await cache.revoke(['a']);
    expect(await lookup).toEqual({ kind: 'revoked' });
  });

  it('never answers an expired record, and does not store one', async () => {
    await cache.set(record('a', { expireDate: new Date(clock + 1000) }));
    clock += 1000;
    expect(await cache.get('a')).toEqual({ kind: 'miss' });
    await cache.set(record('b', { expireDate: new Date(clock) }));
    expect(await cache.get('b')).toEqual({ kind: 'miss' });
  });

  it('answers "revoked" for a revoked digest and refuses to cache it again until the tombstone lapses', async () => {
    await cache.set(record('a', {}, clock));
    await cache.revoke(['a']);
    expect(await cache.get('a')).toEqual({ kind: 'revoked' });
    // A read-through that loaded the row just before the revocation tries to cache it now.
    await cache.set(record('a', {}, clock));
    expect(await cache.get('a')).toEqual({ kind: 'revoked' });
    clock += TOMBSTONE_TTL;
    expect(await cache.get('a')).toEqual({ kind: 'miss' });
    await cache.set(record('a', {}, clock));
    expect(await cache.get('a')).toMatchObject({ kind: 'hit' });
  });

  it('makes signed-in sessions re-check the database once after users were deleted by query', async () => {
    await cache.set(record('signed-in', {}, clock));
    await cache.set(record('anonymous', { userId: null }, clock));
    await cache.invalidateUserSessions();
    expect(await cache.get('signed-in')).toEqual({ kind: 'miss' });
    expect(await cache.get('anonymous')).toMatchObject({ kind: 'hit' });
    // Re-read from the database (still there: its user was not among the deleted) and cached again.
    await cache.set(record('signed-in', {}, clock));
    expect(await cache.get('signed-in')).toMatchObject({ kind: 'hit' });
  });

  it('keeps at most maxEntries records, dropping the least recently used', async () => {
    for (const digest of ['a', 'b', 'c']) await cache.set(record(digest, {}, clock));
    await cache.get('a');
    await cache.set(record('d', {}, clock));
    expect((await cache.get('b')).kind).toBe('miss');
    for (const digest of ['a', 'c', 'd']) expect((await cache.get(digest)).kind).toBe('hit');
  });

  it('bounds its tombstones too, dropping the oldest first', async () => {
    await cache.revoke(['a', 'b', 'c']);
    await cache.revoke(['d']);
    expect(await cache.get('a')).toEqual({ kind: 'miss' });
    for (const digest of ['b', 'c', 'd']) expect(await cache.get(digest)).toEqual({ kind: 'revoked' });
    // One revocation of many digests keeps them all, whatever the bound.
    await cache.revoke(['e', 'f', 'g', 'h', 'i']);
    for (const digest of ['e', 'f', 'g', 'h', 'i']) expect(await cache.get(digest)).toEqual({ kind: 'revoked' });
  });

  it('forgets everything on close', async () => {
    await cache.set(record('a', {}, clock));
    await cache.revoke(['b']);
    cache.close();
    expect(await cache.get('a')).toEqual({ kind: 'miss' });
    expect(await cache.get('b')).toEqual({ kind: 'miss' });
  });
});

describe('MemoryEntries (the in-process adapter of the key-value port)', () => {
  const keys = new CacheKeys('');
  let clock: number;
  let entries: MemoryEntries;
  beforeEach(() => {
    clock = 1_000_000;
    entries = new MemoryEntries(keys, 2, () => clock);
  });

  it('answers at once, without a promise, and keeps the very value it was given (nothing serialised)', () => {
    const value = { d: '{}', e: clock + 1000 };
    expect(entries.setMany([{ key: keys.record('a'), value, ttlMs: 1000 }])).toBeUndefined();
    const read = entries.getMany([keys.record('a'), keys.tombstone('a'), keys.epoch, keys.absent('a')]);
    expect(read).not.toBeInstanceOf(Promise);
    expect(read[0]).toBe(value);
    expect(read.slice(1)).toEqual([undefined, undefined, undefined]);
    expect(entries.setThenGet({ key: keys.absent('b'), value: 1, ttlMs: 1000 }, keys.absent('b'))).toBe(1);
  });

  it('drops every kind of entry at the end of its lifetime, and keeps one written without a lifetime', () => {
    entries.setMany([
      { key: keys.record('a'), value: 'r', ttlMs: 1000 },
      { key: keys.tombstone('a'), value: 1, ttlMs: 1000 },
      { key: keys.absent('a'), value: 1, ttlMs: 1000 },
      { key: keys.epoch, value: 5 },
    ]);
    const all = [keys.record('a'), keys.tombstone('a'), keys.absent('a'), keys.epoch];
    clock += 999;
    expect(entries.getMany(all)).toEqual(['r', 1, 1, 5]);
    clock += 1;
    expect(entries.getMany(all)).toEqual([undefined, undefined, undefined, 5]);
  });

  it('bounds each kind on its own: records written never push out a tombstone', () => {
    entries.setMany([{ key: keys.tombstone('t'), value: 1, ttlMs: 60_000 }]);
    for (const digest of ['a', 'b', 'c', 'd']) entries.setMany([{ key: keys.record(digest), value: digest }]);
    expect(entries.getMany([keys.tombstone('t')])).toEqual([1]);
    expect(entries.getMany(['a', 'b', 'c', 'd'].map((digest) => keys.record(digest))).filter(Boolean)).toHaveLength(2);
  });
});
