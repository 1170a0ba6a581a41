// The shapes QSessionsHealthIndicator reports. Type aliases, not interfaces: terminus's up() and
// down() take `Record<string, unknown>`, which an interface (having no index signature) is not.

/** What the health check reports of the sessions table. */
export type QSessionsDatabaseHealth = {
  /** `up`: a lookup in the sessions table answered; `down`: it failed or did not answer in time. */
  status: 'up' | 'down';
  /** How long the lookup took, or took to fail, in milliseconds. */
  latencyMs: number;
  /** Why it is down: the database's error, with any password of the connection taken out. */
  message?: string;
};

/** Which cache the `cached_db` engine uses. */
export type QSessionsCacheKind = 'memory' | 'redis' | 'app-cache-manager' | 'instance';

/**
 * The cache's circuit breaker: `closed`, sessions go through the cache; `open`, every request
 * skips it (sessions are read from and written to the database alone) until `nextProbeAt`;
 * `half-open`, that time has passed and the next cache operation tries it again. Times are ISO
 * 8601, absent while closed.
 */
export type QSessionsCacheBreakerHealth = {
  state: 'closed' | 'open' | 'half-open';
  /** When it opened: the first failure since the cache last answered. */
  openedAt?: string;
  /** The latest failure (each failed try moves it). */
  lastFailureAt?: string;
  /** When requests may try the cache again. */
  nextProbeAt?: string;
};

/** The health check's own read of the cache: one key that nothing writes, under a timeout. */
export type QSessionsCacheProbeHealth = {
  status: 'up' | 'down';
  latencyMs: number;
  /** Why it failed (the cache's error or the timeout). */
  message?: string;
};

/** What the health check reports of the `cached_db` engine's cache. */
export type QSessionsCacheHealth = {
  /**
   * `up`: the probe answered, the breaker is closed and cached sessions are served. `degraded`:
   * any of those is not so; sessions still work, from the database. `down` instead of
   * `degraded` with the `cacheRequired` option.
   */
  status: 'up' | 'degraded' | 'down';
  kind: QSessionsCacheKind;
  /** Whether every process of the app sees the same entries (Redis, a shared app cache). */
  shared: boolean;
  /** Whether this process keeps copies of Redis entries (`cache.nearCache`). */
  nearCache: boolean;
  breaker: QSessionsCacheBreakerHealth;
  /**
   * Whether cached sessions may be served now. A shared cache's are served only while its check
   * (once a second: it writes held revocations and makes sure the cache lost nothing) succeeds.
   */
  trusted: boolean;
  probe: QSessionsCacheProbeHealth;
  /** Why it is not `up`. */
  message?: string;
};

/** Everything the sessions health indicator reports under its key. */
export type QSessionsHealthDetails = {
  engine: 'db' | 'cached_db';
  database: QSessionsDatabaseHealth;
  /** The cache of `cached_db`; absent with the `db` engine, which has none. */
  cache?: QSessionsCacheHealth;
  /** Why the indicator is down. */
  message?: string;
};
