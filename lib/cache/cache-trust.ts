/** Timings of {@link CacheTrust}. */
export interface CacheTrustTimings {
  /** How often the check runs. */
  checkEveryMs: number;
  /**
   * How long after the start of its last successful check this process trusts the records the
   * cache holds. A revocation that cannot reach the cache returns only after this long, so that
   * every process still reading the cache has run a check that saw it.
   */
  trustMs: number;
}

/** Default {@link CacheTrustTimings}: a check every second, trusted for 2.5 s. */
export const CACHE_TRUST_TIMINGS: CacheTrustTimings = { checkEveryMs: 1000, trustMs: 2500 };

/**
 * Whether this process may answer a request from a record the shared cache holds. It may while
 * a recent check succeeded: the check (given by the cache) writes to the cache every revocation
 * held in the database and makes sure the cache did not lose what it held. A check that fails,
 * or any sign that the cache may have lost data (its connection dropped, an operation failed),
 * ends the trust at once; the next successful check brings it back.
 */
export class CacheTrust {
  private trustedUntil = Number.NEGATIVE_INFINITY;
  /** Bumped by each {@link distrust}: a check that started before it cannot restore trust. */
  private generation = 0;
  private running: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timings: CacheTrustTimings,
    private readonly check: () => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs the check now and then every `checkEveryMs` (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    void this.run();
    this.timer = setInterval(() => void this.run(), this.timings.checkEveryMs);
    this.timer.unref();
  }

  /** Whether records read from the cache may be served now. */
  trusted(): boolean {
    return this.now() < this.trustedUntil;
  }

  /** Ends the trust until a check that starts after this call succeeds, and starts one soon. */
  distrust(): void {
    this.generation++;
    this.trustedUntil = Number.NEGATIVE_INFINITY;
  }

  /** The window a revocation that could not reach the cache must wait out (see CacheTrustTimings). */
  get trustMs(): number {
    return this.timings.trustMs;
  }

  /** Runs the check (or joins the one running); resolves to whether it succeeded. */
  run(): Promise<boolean> {
    if (this.running) return this.running;
    const startedAt = this.now();
    const generation = this.generation;
    this.running = this.check()
      .then(
        () => {
          // Counted from the start: whatever was durable before then, the check has applied.
          if (generation !== this.generation) return 'voided' as const;
          this.trustedUntil = Math.max(this.trustedUntil, startedAt + this.timings.trustMs);
          return 'trusted' as const;
        },
        () => 'failed' as const,
      )
      .finally(() => {
        this.running = null;
      })
      // A check voided by a distrust while it ran is run again at once, not an interval later.
      .then((outcome) => (outcome === 'voided' && this.timer !== null ? this.run() : outcome === 'trusted'));
    return this.running;
  }

  /** Stops the timer (the app is shutting down). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.distrust();
  }
}
