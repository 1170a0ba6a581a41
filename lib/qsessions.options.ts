import type { Duration } from './util/duration.js';
import type { Cache } from 'cache-manager';
import type { UserId } from './session/session-record.js';
import type { GeoIpOptions } from './geoip/geoip-options.js';
import type { UserEntityClass } from './typeorm/user-entity.js';
import { defaultUserIdFromSession } from './options/default-user-id.js';
import type { IpPrivacy } from './session/ip-privacy.js';
import type { SessionLimitPolicy } from './session/session-limit.js';

export type { IpPrivacy, SessionLimitPolicy };

/**
 * The defaults of an options interface `T`: every key of `T`, required even where the option is
 * optional, so that the compiler rejects a defaults object that forgets one; each holds the value
 * used when the option is left out, or `undefined` where there is none. The keys of these objects
 * are also the known keys of the unknown-option check, in the order its messages list them.
 */
export type OptionDefaults<T> = { readonly [K in keyof Required<T>]: T[K] | undefined };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Which session engine to use (as in django-qsessions). */
export type QSessionsEngine = 'db' | 'cached_db';

/**
 * Who may set `X-Forwarded-For`. Same meaning as Express's `trust proxy`: `false` (default: the
 * socket address is the client), `true` (trust every hop: only behind a proxy that strips the
 * header), a hop count, or addresses/subnets/`'loopback'`/`'linklocal'`/`'uniquelocal'`
 * (a comma-separated string or an array), or a function `(address, hopIndex) => boolean`.
 */
export type TrustProxyOption = boolean | number | string | string[] | ((address: string, hop: number) => boolean);

/** Session cookie settings. Every field is optional; defaults are safe ({@link QSESSIONS_COOKIE_DEFAULTS}). */
export interface QSessionsCookieOptions {
  /**
   * Cookie name. Default `sessionid`, or `__Host-sessionid` when `secure: true` with the default
   * `path` and no `domain` (browsers then refuse that cookie from sibling subdomains and plain
   * HTTP). A `__Host-` prefix requires `secure: true` and `path: '/'` and no `domain`.
   */
  name?: string;
  /** Idle lifetime in milliseconds: the session ends after this long without a save. Default two weeks. */
  maxAge?: number;
  /** Send a browser-session cookie (no Max-Age/Expires). The row still expires after `maxAge`. Default false. */
  expireAtBrowserClose?: boolean;
  /** Domain attribute. Default: none (host-only cookie). */
  domain?: string;
  /** Path attribute. Default `/`. */
  path?: string;
  /** HttpOnly attribute. Default true. */
  httpOnly?: boolean;
  /** SameSite attribute. Default `'lax'`; `false` omits it. `'none'` requires `secure` to be true or `'auto'`. */
  sameSite?: 'lax' | 'strict' | 'none' | false;
  /** Secure attribute: `'auto'` (default) sets it when the request arrived over HTTPS. */
  secure?: boolean | 'auto';
  /** Partitioned attribute (CHIPS). Default false. */
  partitioned?: boolean;
  /** Priority attribute. Default: none. */
  priority?: 'low' | 'medium' | 'high';
}

/**
 * The value each cookie option takes when left out. `name` is the base name: it gets the
 * `__Host-` prefix when the cookie qualifies for it (see {@link QSessionsCookieOptions.name}).
 */
export const QSESSIONS_COOKIE_DEFAULTS = Object.freeze({
  name: 'sessionid',
  maxAge: 14 * DAY_MS,
  expireAtBrowserClose: false,
  domain: undefined,
  path: '/',
  httpOnly: true,
  sameSite: 'lax',
  secure: 'auto',
  partitioned: false,
  priority: undefined,
} as const satisfies OptionDefaults<QSessionsCookieOptions>);

/** What the library keeps about a client. Defaults: {@link QSESSIONS_PRIVACY_DEFAULTS}. */
export interface QSessionsPrivacyOptions {
  /**
   * How much of the client's IP address is stored with a session (and looked up for its
   * location): `'full'` (default); `'truncated'`, the /24 of an IPv4 address or the /48 of an
   * IPv6 one (the location is still approximately right); `'none'`, no address (no location).
   * Applied as the request is read, before anything is stored, looked up or shown.
   */
  ip?: IpPrivacy;
}

/** The value each privacy option takes when left out. */
export const QSESSIONS_PRIVACY_DEFAULTS = Object.freeze({
  ip: 'full',
} as const satisfies OptionDefaults<QSessionsPrivacyOptions>);

/** The sign-in history (`history` option). Defaults: {@link QSESSIONS_HISTORY_DEFAULTS}. */
export interface QSessionsHistoryOptions {
  /**
   * Days an entry is kept (a whole number from 1 to 3650; default 90): `clearExpired()` deletes
   * older ones, and a sign-in is compared with the user's sign-ins of this window to tell a new
   * device or place.
   */
  retainDays?: number;
}

/** The value each history option takes when left out. */
export const QSESSIONS_HISTORY_DEFAULTS = Object.freeze({
  retainDays: 90,
} as const satisfies OptionDefaults<QSessionsHistoryOptions>);

/**
 * Live connections of sessions (WebSocket gateways, server-sent events, graphql-ws), kept by
 * `LiveSessions`: each is closed when its session ends. Defaults: {@link QSESSIONS_LIVE_DEFAULTS}.
 */
export interface QSessionsLiveOptions {
  /**
   * How often the session of every live connection is read again (in batches), to close those
   * that ended where this process could not hear of it: another process without a shared Redis,
   * a message lost while Redis was down. Milliseconds or a string such as `'30s'`; default
   * `'30s'`. Sessions that expire are closed at their expiry whatever this says.
   */
  checkInterval?: Duration;
  /**
   * The Redis whose pub/sub carries ended sessions to every app process, so that each closes its
   * connections of them at once. Default: `cache.redisUrl` of the `cached_db` engine; `false`
   * for none (then other processes close theirs within `checkInterval`). Needs `@keyv/redis`.
   */
  redisUrl?: string | false;
  /**
   * The pub/sub channel's name; processes of one app must agree on it. Default: the cache's
   * `keyPrefix` followed by `live`.
   */
  channel?: string;
  /**
   * Origins of pages, besides the app's own, allowed to open a WebSocket with the session cookie
   * (`'https://app.example.com'`, exactly as browsers send `Origin`). Default none: a handshake
   * whose `Origin` is not the app's own (it must name the `Host` the handshake was sent to) gets no
   * session from `LiveSessions.accept()`. Behind a proxy that rewrites `Host`, list the public origin.
   */
  allowedOrigins?: readonly string[];
}

/** Defaults of {@link QSessionsLiveOptions}. */
export const QSESSIONS_LIVE_DEFAULTS = Object.freeze({
  checkInterval: '30s',
  redisUrl: undefined,
  channel: undefined,
  allowedOrigins: [],
} as const satisfies OptionDefaults<QSessionsLiveOptions>);

/** Settings of the `cached_db` engine's cache. Defaults: {@link QSESSIONS_CACHE_DEFAULTS}. */
export interface QSessionsCacheOptions {
  /**
   * Redis URL (`redis://host:port/db`): sessions are cached in Redis through `@keyv/redis`
   * (install it). Shared by every app instance: use it whenever more than one process serves
   * the app.
   */
  redisUrl?: string;
  /**
   * Redis behind Sentinel, instead of `redisUrl`: the sentinels are asked which server is the
   * primary, and again after a failover, through node-redis's own Sentinel client (`@keyv/redis`
   * must be installed). The near cache and live revocation work as with `redisUrl`. See
   * docs/production.md for what happens during a failover.
   */
  sentinel?: QSessionsRedisSentinelOptions;
  /**
   * A Redis Cluster, instead of `redisUrl`: node-redis's cluster client learns the slots from the
   * root nodes and sends each key to the primary that holds it (`@keyv/redis` must be installed).
   * The near cache listens to every primary. See docs/production.md.
   */
  cluster?: QSessionsRedisClusterOptions;
  /** A cache-manager 7 cache to use as is (takes precedence over `redisUrl`, `sentinel` and `cluster`). */
  instance?: Cache;
  /**
   * Use the app's own `CACHE_MANAGER` (from a global `CacheModule`) when there is one. Default
   * `'auto'`: only when every store of that cache keeps its entries in a server all processes
   * share (@keyv/redis, @keyv/valkey, @keyv/memcache, @keyv/postgres, @keyv/mysql, @keyv/mongo…);
   * one that keeps them in the process (cache-manager's default, an LRU, an in-memory first tier)
   * is passed over for the library's own bounded in-memory cache, and a line at start-up says so.
   * `true`: use it whatever its store (an in-process one is neither bounded by `maxEntries` nor
   * shared, and gets the several-processes warning); `false`: never. Ignored when `instance` or
   * `redisUrl` is given.
   */
  useAppCacheManager?: 'auto' | boolean;
  /**
   * With `redisUrl`: also keep the sessions read from Redis in this process, so that a hot read
   * makes no round trip at all. Redis itself reports every change to those keys on the same
   * connection (`CLIENT TRACKING`, RESP3), so a session revoked or changed by any process is
   * dropped here as soon as that report arrives; a copy is trusted only while the connection has
   * answered within the last 1.5 s. Needs Redis 6 or later (or a compatible server with RESP3 and
   * `CLIENT TRACKING`): a server that refuses them is detected, logged once, and used without
   * copies. Default true; false skips the attempt. Only with `redisUrl` (a cache-manager cache
   * cannot report changes).
   */
  nearCache?: boolean;
  /**
   * Entries kept by the built-in in-memory cache, or by the near cache in front of Redis (least
   * recently used go first). Default 10000.
   */
  maxEntries?: number;
  /** Longest wait for one cache operation before it counts as a miss, in ms. Default 200. */
  timeoutMs?: number;
  /** Prefix of every cache key. Default `qsessions:`. */
  keyPrefix?: string;
}

/**
 * Where the sentinels of a Redis primary are (`cache.sentinel`). Only the primary is used: every
 * read and write goes to it, so a session revoked on one process is refused by every other.
 */
export interface QSessionsRedisSentinelOptions {
  /** The name the sentinels monitor the primary under (`sentinel monitor <name> …` in sentinel.conf). */
  name: string;
  /**
   * Some of the sentinels, as `{ host, port }` or `'host:port'`: the first that answers is asked
   * for the primary and for the other sentinels. Give at least two, so that one down is no outage.
   */
  sentinels: ReadonlyArray<{ host: string; port: number } | string>;
  /** The user of the primary and replicas (Redis ACL), when they require one. */
  username?: string;
  /** The password of the primary and replicas (`requirepass` or the ACL user's). */
  password?: string;
  /** The user of the sentinels themselves, when they require one (their own ACL). */
  sentinelUsername?: string;
  /** The password of the sentinels themselves (their `requirepass`), when they require one. */
  sentinelPassword?: string;
  /** The database number on the primary. Default 0. */
  database?: number;
}

/**
 * Where a Redis Cluster is (`cache.cluster`). Every key is read from and written to the primary
 * that holds its slot, never a replica, so a session revoked on one process is refused by every other.
 */
export interface QSessionsRedisClusterOptions {
  /**
   * Some nodes of the cluster, as `{ host, port }` or `'host:port'`: the first that answers tells
   * the others and which slots each holds. Give more than one, so that one down is no outage.
   */
  rootNodes: ReadonlyArray<{ host: string; port: number } | string>;
  /** The user of the nodes (Redis ACL), when they require one. */
  username?: string;
  /** The password of the nodes (`requirepass` or the ACL user's). */
  password?: string;
}

/** The value each cache option takes when left out (`nearCache` applies only with a Redis of the library's own). */
export const QSESSIONS_CACHE_DEFAULTS = Object.freeze({
  redisUrl: undefined,
  sentinel: undefined,
  cluster: undefined,
  instance: undefined,
  useAppCacheManager: 'auto',
  nearCache: true,
  maxEntries: 10_000,
  timeoutMs: 200,
  keyPrefix: 'qsessions:',
} as const satisfies OptionDefaults<QSessionsCacheOptions>);

/**
 * The cookie of an express-session app whose sessions were imported with `qsessions import`
 * (or `importExpressSessions()`): until `until`, a browser still sending it is served its imported
 * session once and moved to the session cookie on that response. Defaults:
 * {@link QSESSIONS_LEGACY_COOKIE_DEFAULTS}.
 *
 * @example
 * ```ts
 * legacyCookie: { secrets: process.env.EXPRESS_SESSION_SECRET!, until: new Date('2027-03-01T00:00:00Z') }
 * ```
 */
export interface QSessionsLegacyCookieOptions {
  /** express-session's cookie name (its `name` option). Default `connect.sid`. Must differ from `cookie.name`. */
  name?: string;
  /**
   * express-session's `secret`: one string, or the array it was given (the cookie is accepted if any of
   * them signed it, as express-session does). Required; never logged.
   */
  secrets: string | string[];
  /**
   * The cut-off: from this moment the old cookie is ignored (no lookup, no Set-Cookie). A Date, or an
   * ISO 8601 string such as `'2027-03-01T00:00:00Z'`. Choose it after the imported sessions' expiry,
   * then remove this option.
   */
  until: Date | string;
  /** Path attribute of the old cookie (express-session's `cookie.path`), needed to delete it. Default `/`. */
  path?: string;
  /** Domain attribute of the old cookie (express-session's `cookie.domain`), if it had one. */
  domain?: string;
}

/** The value each `legacyCookie` option takes when left out (`secrets` and `until` are required). */
export const QSESSIONS_LEGACY_COOKIE_DEFAULTS = Object.freeze({
  name: 'connect.sid',
  secrets: undefined,
  until: undefined,
  path: '/',
  domain: undefined,
} as const satisfies OptionDefaults<QSessionsLegacyCookieOptions>);

/**
 * Options of `QSessionsModule.forRoot()` (and the object `forRootAsync()`'s factory returns).
 * Defaults: {@link QSESSIONS_DEFAULTS}.
 */
export interface QSessionsModuleOptions {
  /** `db` (default): sessions in the database; `cached_db`: database behind a write-through cache. */
  engine?: QSessionsEngine;
  /** Name of the app's TypeORM DataSource to store sessions in. Default: the default DataSource. */
  dataSource?: string;
  /** Session cookie settings. */
  cookie?: QSessionsCookieOptions;
  /** Cache settings of the `cached_db` engine. */
  cache?: QSessionsCacheOptions;
  /** Save the session (and re-send its cookie) on every request, not only when it changed. Default false. */
  saveEveryRequest?: boolean;
  /** Which proxies may supply the client address through `X-Forwarded-For`. Default false. */
  trustProxy?: TrustProxyOption;
  /**
   * The user a session belongs to, read from its data when it is saved. Default: `userId`, else
   * passport's `passport.user` (a primary key, or an object with an `id`).
   */
  userIdFromSession?: (data: Readonly<Record<string, unknown>>) => UserId | null | undefined;
  /**
   * How often, at most, an unchanged session in use is saved to refresh its "last active" time
   * (`updated_at`) and slide its expiry forward, in ms. Default five minutes; 0 means every
   * request. Within the interval an unchanged session costs no write.
   */
  activityInterval?: number;
  /**
   * Longest life of a session from its creation (sign-in), in ms, however active it is.
   * Default null: sessions live as long as they are used within `cookie.maxAge`.
   */
  absoluteLifetime?: number | null;
  /**
   * Idle lifetime of a session without a user (a visitor's cart, a consent choice), in ms: it
   * ends after this long without a save, and takes the normal `cookie.maxAge` at sign-in. Default
   * one day, so that data put in a stranger's session does not keep a row for two weeks; null
   * gives anonymous sessions `cookie.maxAge` too (django-qsessions' behaviour). A session's own
   * `cookie.maxAge`, when the app sets one, wins.
   */
  anonymousLifetime?: number | null;
  /**
   * Store sessions that have no user. Default true. With false, a visitor's session data lives
   * for the request only (nothing is written, no cookie is set) until sign-in; a stored session
   * that loses its user is deleted. For data a stranger needs across requests, such as a CSRF
   * token, use a signed cookie of its own (see docs/configuration.md).
   */
  storeAnonymous?: boolean;
  /**
   * Where the MaxMind GeoIP2/GeoLite2 databases are: `{ path }` (a folder holding
   * GeoLite2-City.mmdb and GeoLite2-Country.mmdb), file names or full paths; `false` turns
   * GeoIP off. Default: the folder in the `GEOIP_PATH` environment variable, read at start-up.
   * Without a database, locations are null.
   */
  geoip?: GeoIpOptions | false;
  /**
   * Most live sessions one user may have at once (a whole number ≥ 1). Default null: no limit.
   * Counted at each sign-in, across every app process sharing the database.
   */
  maxSessionsPerUser?: number | null;
  /**
   * What a sign-in does when its user already has `maxSessionsPerUser` live sessions:
   * `'evict-least-recent'` (default) ends the session used least recently, `'evict-oldest'` the
   * one signed in first (either as a revocation with reason `'limit'`); `'refuse'` makes
   * `SessionService.login()` throw a `SessionLimitError` listing the sessions, so that the person
   * can choose one to end (`login(req, user, { replacing: id })`).
   */
  onSessionLimit?: SessionLimitPolicy;
  /** What is kept about clients: `{ ip: 'full' | 'truncated' | 'none' }`. Default: the full address. */
  privacy?: QSessionsPrivacyOptions;
  /**
   * Keep each user's sign-in history in `qsessions_history` (signed in, signed out, revoked,
   * evicted, expired; with time, address, device and location), read by
   * `SessionService.history()`, and tell a sign-in from a new device or place (the `signed-in`
   * event's `newDevice` and `newLocation`). `true` or `{ retainDays }` turns it on; default off.
   * It also enables "This wasn't me" links (`createRevokeLink()`).
   */
  history?: QSessionsHistoryOptions | boolean;
  /**
   * Ask browsers for their User-Agent Client Hints and describe devices by them. Default false.
   *
   * Browsers freeze the OS in the User-Agent (every Mac says macOS 10.15.7, Windows 11 says
   * Windows 10, an Android phone's model is "K"); Chromium-based browsers send the real values in
   * `Sec-CH-UA-*` headers, the detailed ones only after the server asked with `Accept-CH`. With
   * true, every response the middleware handles carries `Accept-CH: Sec-CH-UA-Platform-Version,
   * Sec-CH-UA-Model, Sec-CH-UA-Full-Version-List` (merged with the app's own), the hints a request
   * sends are stored with its session (column `client_hints`), and `list()`, `QSession#device()`
   * and `parseDevice()` prefer them: "Chrome on macOS 14", "Edge on Windows 11", the phone's model.
   *
   * The cost: about 90 bytes more on each response (browsers then send the three hints, some
   * 200 bytes, with each request to the site), and a few header reads per request. A session
   * whose hints change is written, as for a changed User-Agent; a request that sends none leaves
   * the stored ones alone. Browsers send them over HTTPS and to localhost only. See
   * docs/configuration.md#client-hints.
   */
  clientHints?: boolean;
  /**
   * Live connections (`LiveSessions`: WebSocket gateways, server-sent events): how often their
   * sessions are checked again, and the Redis that tells every process at once. See docs/websockets.md.
   */
  live?: QSessionsLiveOptions;
  /** Largest session data, in bytes of JSON, that may be saved. Default 65536. */
  maxDataBytes?: number;
  /**
   * Mount the session middleware on every route (default true). Set false to mount it yourself
   * with `consumer.apply(QSessionsMiddleware).forRoutes(...)`.
   */
  mountMiddleware?: boolean;
  /**
   * Accept the signed cookie of the express-session app this one replaces, for sessions imported
   * with `qsessions import`: each is served once, moved to a new session cookie on that response,
   * and the old cookie is deleted. A forged or unknown old cookie gives no session and is deleted.
   * Default: none.
   */
  legacyCookie?: QSessionsLegacyCookieOptions;
}

/** `forRoot()` options: the settings plus the app's user entity. */
export interface QSessionsModuleRootOptions extends QSessionsModuleOptions {
  /** The app's TypeORM user entity; each session row has a foreign key to it. Required. */
  userEntity: UserEntityClass;
}

/**
 * The value each top-level option takes when left out, with the sections' own defaults. Covers
 * `userEntity` too (it has none): forRoot() takes it off before the options are resolved, but an
 * async factory may hand back the whole root options object, and it must not read as unknown.
 * `geoip` left out means the folder in `GEOIP_PATH`, read at start-up.
 */
export const QSESSIONS_DEFAULTS = Object.freeze({
  engine: 'db',
  dataSource: undefined,
  cookie: QSESSIONS_COOKIE_DEFAULTS,
  cache: QSESSIONS_CACHE_DEFAULTS,
  saveEveryRequest: false,
  trustProxy: false,
  userIdFromSession: defaultUserIdFromSession,
  maxDataBytes: 65_536,
  mountMiddleware: true,
  activityInterval: 5 * 60 * 1000,
  absoluteLifetime: null,
  anonymousLifetime: DAY_MS,
  storeAnonymous: true,
  maxSessionsPerUser: null,
  onSessionLimit: 'evict-least-recent',
  privacy: QSESSIONS_PRIVACY_DEFAULTS,
  history: false,
  clientHints: false,
  live: QSESSIONS_LIVE_DEFAULTS,
  geoip: undefined,
  userEntity: undefined,
  legacyCookie: undefined,
} as const satisfies OptionDefaults<QSessionsModuleRootOptions>);
