import type { CacheEntries, CacheEntry } from '../lib/cache/cache-entries.js';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import { KeyValueSessionCache, TOMBSTONE_TTL_MS } from '../lib/cache/key-value-session-cache.js';
import { MemoryEntries } from '../lib/cache/memory-entries.js';

// The read-only view of the session cache's circuit breaker that the health check reports: it
// follows the breaker through closed, open, half-open (a probe is due) and closed again, and
// reading it changes nothing.

/** Memory entries answered as a server answers (with a promise), that can be made to fail. */
class SwitchableEntries implements CacheEntries {
  failing = false;
  calls = 0;
  constructor(private readonly inner: MemoryEntries) {}
  private async run<T>(operation: () => T): Promise<T> {
    this.calls++;
    if (this.failing) throw new Error('ECONNREFUSED');
    return operation();
  }
  getMany(keys: readonly string[]): Promise<unknown[]> {
    return this.run(() => this.inner.getMany(keys));
  }
  setMany(entries: readonly CacheEntry[]): Promise<void> {
    return this.run(() => this.inner.setMany(entries));
  }
  setThenGet(entry: CacheEntry, readKey: string): Promise<unknown> {
    return this.run(() => this.inner.setThenGet(entry, readKey));
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.run(() => this.inner.deleteMany(keys));
  }
  writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): Promise<void> {
    return this.run(() => this.inner.writeAndDelete(entries, deleteKeys));
  }
}

describe('the session cache breaker state', () => {
  const digest = 'a'.repeat(64);
  let clock: number;
  let entries: SwitchableEntries;
  let cache: KeyValueSessionCache;
  beforeEach(() => {
    clock = 1_000_000;
    const keys = new CacheKeys('t:');
    entries = new SwitchableEntries(new MemoryEntries(keys, 100, () => clock));
    const options = {
      keys,
      timeoutMs: 100,
      tombstoneTtlMs: TOMBSTONE_TTL_MS,
      retryMs: 1000,
      epochReach: 'all' as const,
    };
    cache = new KeyValueSessionCache(entries, options, { warn: () => {} }, () => clock);
  });
  afterEach(() => cache.close());

  it('is closed while the cache answers', async () => {
    expect((await cache.get(digest)).kind).toBe('miss');
    expect(cache.breakerState()).toEqual({ state: 'closed', openedAt: null, lastFailureAt: null, nextProbeAt: null });
    expect(cache.trusted).toBe(true);
  });

  it('opens on a failure, is half-open once retryMs has passed, stays opened since the first failure, and closes on success', async () => {
    const openedAt = clock;
    entries.failing = true;
    await cache.get(digest);
    expect(cache.breakerState()).toEqual({
      state: 'open',
      openedAt,
      lastFailureAt: openedAt,
      nextProbeAt: openedAt + 1000,
    });

    // While open, requests skip the cache: no call reaches it, and the state stays as it was.
    clock += 500;
    const calls = entries.calls;
    await cache.get(digest);
    expect(entries.calls).toBe(calls);
    expect(cache.breakerState().state).toBe('open');

    clock += 600;
    expect(cache.breakerState()).toEqual({
      state: 'half-open',
      openedAt,
      lastFailureAt: openedAt,
      nextProbeAt: openedAt + 1000,
    });
    // Reading the state is no probe: nothing was sent.
    expect(entries.calls).toBe(calls);

    // The probe fails: open again, the failure moves, the opening does not.
    await cache.get(digest);
    expect(entries.calls).toBe(calls + 1);
    expect(cache.breakerState()).toEqual({
      state: 'open',
      openedAt,
      lastFailureAt: clock,
      nextProbeAt: clock + 1000,
    });

    entries.failing = false;
    clock += 1000;
    await cache.get(digest);
    expect(cache.breakerState()).toEqual({ state: 'closed', openedAt: null, lastFailureAt: null, nextProbeAt: null });

    // A new outage opens it from its own first failure.
    entries.failing = true;
    clock += 5000;
    await cache.get(digest);
    expect(cache.breakerState()).toMatchObject({ state: 'open', openedAt: clock });
  });
});
