/** Timings of {@link CacheHealth}. */
export interface CacheHealthOptions {
  /** After a failure, how long the cache is left alone before one operation probes it again. */
  retryMs: number;
}

/**
 * A circuit breaker for the session cache. While the cache is failing, requests do not wait
 * for it at all (they go to the database); one operation probes it again after `retryMs`. What
 * the cache holds after an outage is trusted again only once checked (see CacheTrust).
 */
export class CacheHealth {
  private down = false;
  private failedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: CacheHealthOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an operation may be sent to the cache now (healthy, or time to probe). */
  canTry(): boolean {
    return !this.down || this.now() - this.failedAt >= this.options.retryMs;
  }

  recordFailure(): void {
    this.down = true;
    this.failedAt = this.now();
  }

  recordSuccess(): void {
    this.down = false;
  }

  /** Whether the cache is down (or not yet probed since it failed). */
  isDown(): boolean {
    return this.down;
  }
}
