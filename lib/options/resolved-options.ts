import type { Cache } from 'cache-manager';
import type { UserId } from '../core/session-record.js';
import type { ResolvedGeoIpOptions } from '../geoip/geoip-options.js';
import type { QSessionsEngine } from '../qsessions.options.js';

/** Cookie settings after defaults and validation. */
export interface ResolvedCookieOptions {
  name: string;
  maxAge: number;
  expireAtBrowserClose: boolean;
  domain: string | undefined;
  path: string;
  httpOnly: boolean;
  sameSite: 'lax' | 'strict' | 'none' | false;
  secure: boolean | 'auto';
  partitioned: boolean;
  priority: 'low' | 'medium' | 'high' | undefined;
}

/** Cache settings after defaults and validation. */
export interface ResolvedCacheOptions {
  redisUrl: string | undefined;
  instance: Cache | undefined;
  /** 'auto': the app's CACHE_MANAGER only when shared by every process (see isSharedCache). */
  useAppCacheManager: 'auto' | boolean;
  /** Keep copies of Redis reads in the process, invalidated by Redis (with `redisUrl` only). */
  nearCache: boolean;
  maxEntries: number;
  timeoutMs: number;
  keyPrefix: string;
}

/** The express-session cookie still accepted (`legacyCookie`), after defaults and validation. */
export interface ResolvedLegacyCookieOptions {
  name: string;
  /** Every secret that may have signed the cookie, the current one first. */
  secrets: readonly string[];
  /** Epoch milliseconds from which the cookie is ignored. */
  until: number;
  path: string;
  domain: string | undefined;
}

/** Every option, validated, with defaults filled in: what the rest of the library reads. */
export interface ResolvedQSessionsOptions {
  engine: QSessionsEngine;
  dataSource: string | undefined;
  cookie: ResolvedCookieOptions;
  cache: ResolvedCacheOptions;
  saveEveryRequest: boolean;
  trustProxy: (address: string, hop: number) => boolean;
  userIdFromSession: (data: Readonly<Record<string, unknown>>) => UserId | null | undefined;
  maxDataBytes: number;
  mountMiddleware: boolean;
  activityInterval: number;
  geoip: ResolvedGeoIpOptions;
  absoluteLifetime: number | null;
  /** Idle lifetime of sessions without a user, or null for `cookie.maxAge`. */
  anonymousLifetime: number | null;
  /** Whether sessions without a user are stored. */
  storeAnonymous: boolean;
  /** The express-session cookie to accept until its cut-off, or null. */
  legacyCookie: ResolvedLegacyCookieOptions | null;
}
