import type { ResolvedGeoIpOptions } from '../geoip/geoip-options.js';
import type { ResolvedSentinelOptions } from './resolve-sentinel.js';
import type { ResolvedClusterOptions } from './resolve-cluster.js';
import type { RedisTarget } from './redis-target.js';
import type {
  OptionDefaults,
  QSESSIONS_CACHE_DEFAULTS,
  QSESSIONS_COOKIE_DEFAULTS,
  QSESSIONS_PRIVACY_DEFAULTS,
  QSESSIONS_HISTORY_DEFAULTS,
  QSESSIONS_DEFAULTS,
  QSESSIONS_LEGACY_COOKIE_DEFAULTS,
  QSessionsCacheOptions,
  QSessionsCookieOptions,
  QSessionsLegacyCookieOptions,
  QSessionsModuleRootOptions,
  QSessionsPrivacyOptions,
  QSessionsHistoryOptions,
} from '../qsessions.options.js';

/**
 * The options `T` once resolved, read off its declaration and its defaults `D`: every key is
 * present; one with a default can no longer be undefined, one without keeps `undefined` for
 * "not given". So a new option gets its resolved type from where it is declared.
 */
export type Resolved<T, D extends OptionDefaults<T>> = {
  -readonly [K in keyof Required<T>]: undefined extends D[K] ? T[K] | undefined : Exclude<T[K], undefined>;
};

/** Cookie settings after defaults and validation. */
export type ResolvedCookieOptions = Resolved<QSessionsCookieOptions, typeof QSESSIONS_COOKIE_DEFAULTS>;

/** Sign-in history settings after defaults and validation. */
export type ResolvedHistoryOptions = Resolved<QSessionsHistoryOptions, typeof QSESSIONS_HISTORY_DEFAULTS>;

/** Live connection settings after defaults and validation. */
export interface ResolvedLiveOptions {
  /** How often connected sessions are read again, in milliseconds. */
  checkIntervalMs: number;
  /** The Redis carrying ended sessions between processes, or null for none. */
  redis: RedisTarget | null;
  /** The pub/sub channel. */
  channel: string;
  /** Origins allowed besides the app's own to open a WebSocket with the session cookie. */
  allowedOrigins: ReadonlySet<string>;
}

/** Privacy settings after defaults and validation. */
export type ResolvedPrivacyOptions = Resolved<QSessionsPrivacyOptions, typeof QSESSIONS_PRIVACY_DEFAULTS>;

/**
 * Cache settings after defaults and validation. `useAppCacheManager: 'auto'` means the app's
 * CACHE_MANAGER only when shared by every process (see isSharedCache); `nearCache` is true only
 * with `redisUrl`.
 */
export interface ResolvedCacheOptions extends Omit<
  Resolved<QSessionsCacheOptions, typeof QSESSIONS_CACHE_DEFAULTS>,
  'sentinel' | 'cluster'
> {
  sentinel: ResolvedSentinelOptions | undefined;
  cluster: ResolvedClusterOptions | undefined;
}

/** The express-session cookie still accepted (`legacyCookie`), after defaults and validation. */
export interface ResolvedLegacyCookieOptions extends Omit<
  Resolved<QSessionsLegacyCookieOptions, typeof QSESSIONS_LEGACY_COOKIE_DEFAULTS>,
  'secrets' | 'until'
> {
  /** Every secret that may have signed the cookie, the current one first. */
  secrets: readonly string[];
  /** Epoch milliseconds from which the cookie is ignored. */
  until: number;
}

/** Every option, validated, with defaults filled in: what the rest of the library reads. */
export interface ResolvedQSessionsOptions extends Omit<
  Resolved<QSessionsModuleRootOptions, typeof QSESSIONS_DEFAULTS>,
  'userEntity' | 'cookie' | 'cache' | 'privacy' | 'history' | 'trustProxy' | 'geoip' | 'legacyCookie' | 'live'
> {
  live: ResolvedLiveOptions;
  cookie: ResolvedCookieOptions;
  cache: ResolvedCacheOptions;
  privacy: ResolvedPrivacyOptions;
  /** The sign-in history's settings, or null when it is off. */
  history: ResolvedHistoryOptions | null;
  /** Whether the proxy at `address`, `hop` hops from this server, may supply the client address. */
  trustProxy: (address: string, hop: number) => boolean;
  geoip: ResolvedGeoIpOptions;
  /** The express-session cookie to accept until its cut-off, or null. */
  legacyCookie: ResolvedLegacyCookieOptions | null;
}
