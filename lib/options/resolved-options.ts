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
  useAppCacheManager: boolean;
  maxEntries: number;
  timeoutMs: number;
  keyPrefix: string;
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
}
