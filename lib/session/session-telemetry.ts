/**
 * What the session rules and the cache report as they work, for metrics (lib/telemetry records
 * them through OpenTelemetry). Calls carry no session key, digest, user or address: the metrics
 * they feed are counts. Each method is called on the hot path: an implementation neither
 * allocates nor waits.
 */
export interface SessionTelemetry {
  /** A stored session was presented past its end: its row expired, or older than the absolute lifetime. */
  sessionExpired(): void;
  /**
   * The cache answered a lookup without the database (a record, a revocation or a remembered
   * absence); `near` when this process's copy of a Redis entry answered (the near cache).
   */
  cacheHit(near: boolean): void;
  /** The database had to answer a lookup: nothing cached, a copy not to be served, or a cache that failed. */
  cacheMiss(): void;
  /** The cache's circuit breaker opened: requests skip the cache until it answers again. */
  cacheBreakerOpened(): void;
}

/** Reports nothing: apps without OpenTelemetry, and the commands. */
export const NO_SESSION_TELEMETRY: SessionTelemetry = Object.freeze({
  sessionExpired: () => undefined,
  cacheHit: () => undefined,
  cacheMiss: () => undefined,
  cacheBreakerOpened: () => undefined,
});
