/** Timings of {@link CacheHealth}. */
export interface CacheHealthOptions {
  /** After a failure, how long the cache is left alone before one operation probes it again. */
  retryMs: number;
  /** After an outage, how long cached records are not trusted (tombstones still are). */
  quarantineMs: number;
}

/**
 * A circuit breaker for the session cache. While the cache is failing, requests do not wait
 * for it at all (they go to the database); once it answers again, the records it holds are
 * distrusted for a while, because revocations made during the outage may not have reached it
 * yet (they are replayed as soon as it answers, by whichever process made them).
 */
export class CacheHealth {
  private down = false;
  private failedAt = Number.NEGATIVE_INFINITY;
  private recoveredAt = Number.NEGATIVE_INFINITY;

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

  /** Records a success; true when it ends an outage. */
  recordSuccess(): boolean {
    if (!this.down) return false;
    this.down = false;
    this.recoveredAt = this.now();
    return true;
  }

  /** Whether the cache is down (or not yet probed since it failed). */
  isDown(): boolean {
    return this.down;
  }

  /** Whether cached records must be re-checked against the database (just after an outage). */
  inQuarantine(): boolean {
    return this.down || this.now() - this.recoveredAt < this.options.quarantineMs;
  }
}
