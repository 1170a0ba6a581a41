import proxyAddr from 'proxy-addr';
import type { UserId } from '../core/session-record.js';
import { geoIpOptionProblems, resolveGeoIpOptions, type ResolvedGeoIpOptions } from '../geoip/geoip-options.js';
import type {
  QSessionsCacheOptions,
  QSessionsCookieOptions,
  QSessionsModuleOptions,
  QSessionsModuleRootOptions,
  TrustProxyOption,
} from '../qsessions.options.js';
import { isValidCookieName } from './cookie-name.js';
import { describeValue, isOptionObject } from './option-object.js';
import { QSessionsConfigError } from './qsessions-config.error.js';
import { resolveLegacyCookie } from './resolve-legacy-cookie.js';
import type { ResolvedQSessionsOptions } from './resolved-options.js';
import { unknownKeyProblems, type KnownKeys } from './unknown-keys.js';

const TWO_WEEKS_MS = 14 * 24 * 60 * 60 * 1000;
const ONE_DAY_MS = 24 * 60 * 60 * 1000;
// `userEntity` is known too: forRoot() takes it off before the rest gets here, but an async
// factory may hand back the whole root options object.
const KNOWN_KEYS: KnownKeys<QSessionsModuleRootOptions> = {
  engine: true,
  dataSource: true,
  cookie: true,
  cache: true,
  saveEveryRequest: true,
  trustProxy: true,
  userIdFromSession: true,
  maxDataBytes: true,
  mountMiddleware: true,
  activityInterval: true,
  absoluteLifetime: true,
  anonymousLifetime: true,
  storeAnonymous: true,
  geoip: true,
  userEntity: true,
  legacyCookie: true,
};
const COOKIE_KEYS: KnownKeys<QSessionsCookieOptions> = {
  name: true,
  maxAge: true,
  expireAtBrowserClose: true,
  domain: true,
  path: true,
  httpOnly: true,
  sameSite: true,
  secure: true,
  partitioned: true,
  priority: true,
};
const CACHE_KEYS: KnownKeys<QSessionsCacheOptions> = {
  redisUrl: true,
  instance: true,
  useAppCacheManager: true,
  nearCache: true,
  maxEntries: true,
  timeoutMs: true,
  keyPrefix: true,
};

/**
 * Validates the module options and fills in defaults. Every problem is collected and reported
 * at once, each with the fix, so a bad configuration fails at start-up and never per request.
 */
export function resolveOptions(options: QSessionsModuleOptions | undefined): ResolvedQSessionsOptions {
  const problems: string[] = [];
  const input: QSessionsModuleOptions = options ?? {};
  if (!isOptionObject(input)) {
    throw new QSessionsConfigError([
      `options must be an object, for example { engine: "db" }; got ${describeValue(input)}.`,
    ]);
  }
  problems.push(...unknownKeyProblems(input, KNOWN_KEYS));

  const engine = input.engine ?? 'db';
  if (engine !== 'db' && engine !== 'cached_db') {
    problems.push(`\`engine\` must be 'db' or 'cached_db', not ${JSON.stringify(engine)}.`);
  }
  if (input.dataSource !== undefined && (typeof input.dataSource !== 'string' || input.dataSource === '')) {
    problems.push(
      '`dataSource` must be the name of a TypeORM DataSource (a non-empty string), or left out for the default one.',
    );
  }

  const cookieIn = optionSection(input.cookie, 'cookie', COOKIE_KEYS, '{ maxAge: 3600000 }', problems);
  const name = cookieIn.name ?? defaultCookieName(cookieIn);
  if (!isValidCookieName(name)) {
    problems.push(
      `\`cookie.name\` ${JSON.stringify(name)} is not a valid cookie name: use letters, digits and !#$%&'*+-.^_\`|~ only.`,
    );
  }
  const maxAge = cookieIn.maxAge ?? TWO_WEEKS_MS;
  if (!Number.isSafeInteger(maxAge) || maxAge < 1000) {
    problems.push(
      '`cookie.maxAge` is in milliseconds and must be a whole number of at least 1000 (one second); the default is two weeks.',
    );
  }
  const path = cookieIn.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || /[;\s]/.test(path)) {
    problems.push('`cookie.path` must start with "/" and contain no ";" or whitespace.');
  }
  if (
    cookieIn.domain !== undefined &&
    (typeof cookieIn.domain !== 'string' || !/^\.?[A-Za-z0-9.-]+$/.test(cookieIn.domain))
  ) {
    problems.push('`cookie.domain` must be a host name such as "example.com", or left out for a host-only cookie.');
  }
  const sameSite = cookieIn.sameSite ?? 'lax';
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none' && sameSite !== false) {
    problems.push(`\`cookie.sameSite\` must be 'lax', 'strict', 'none' or false, not ${JSON.stringify(sameSite)}.`);
  }
  const secure = cookieIn.secure ?? 'auto';
  if (secure !== true && secure !== false && secure !== 'auto') {
    problems.push(`\`cookie.secure\` must be true, false or 'auto', not ${JSON.stringify(secure)}.`);
  }
  if (sameSite === 'none' && secure === false) {
    problems.push(
      "`cookie.sameSite: 'none'` needs `cookie.secure: true` (or 'auto'): browsers reject SameSite=None cookies that are not Secure.",
    );
  }
  if (
    typeof name === 'string' &&
    name.startsWith('__Host-') &&
    (secure !== true || path !== '/' || cookieIn.domain !== undefined)
  ) {
    problems.push('a `__Host-` cookie name needs `cookie.secure: true`, `cookie.path: "/"` and no `cookie.domain`.');
  }
  if (typeof name === 'string' && name.startsWith('__Secure-') && secure !== true) {
    problems.push('a `__Secure-` cookie name needs `cookie.secure: true`.');
  }
  for (const flag of ['httpOnly', 'expireAtBrowserClose', 'partitioned'] as const) {
    if (cookieIn[flag] !== undefined && typeof cookieIn[flag] !== 'boolean') {
      problems.push(`\`cookie.${flag}\` must be true or false.`);
    }
  }
  if (cookieIn.priority !== undefined && !['low', 'medium', 'high'].includes(cookieIn.priority)) {
    problems.push("`cookie.priority` must be 'low', 'medium' or 'high'.");
  }

  const cacheIn = optionSection(input.cache, 'cache', CACHE_KEYS, "{ redisUrl: 'redis://127.0.0.1:6379' }", problems);
  if (
    cacheIn.redisUrl !== undefined &&
    (typeof cacheIn.redisUrl !== 'string' || !/^rediss?:\/\//.test(cacheIn.redisUrl))
  ) {
    problems.push(
      '`cache.redisUrl` must be a URL starting with redis:// or rediss://, for example redis://127.0.0.1:6379.',
    );
  }
  if (
    cacheIn.instance !== undefined &&
    (typeof cacheIn.instance !== 'object' || typeof cacheIn.instance?.mget !== 'function')
  ) {
    problems.push(
      '`cache.instance` must be a cache-manager 7 cache, as returned by createCache() from "cache-manager".',
    );
  }
  const useAppCacheManager = cacheIn.useAppCacheManager === undefined ? 'auto' : cacheIn.useAppCacheManager;
  if (useAppCacheManager !== 'auto' && typeof useAppCacheManager !== 'boolean') {
    problems.push(
      `\`cache.useAppCacheManager\` must be 'auto', true or false, not ${JSON.stringify(useAppCacheManager)}.`,
    );
  }
  if (cacheIn.nearCache !== undefined && typeof cacheIn.nearCache !== 'boolean') {
    problems.push('`cache.nearCache` must be true or false.');
  } else if (cacheIn.nearCache === true && (cacheIn.redisUrl === undefined || cacheIn.instance !== undefined)) {
    problems.push(
      '`cache.nearCache` needs `cache.redisUrl` (and no `cache.instance`): only a Redis connection the library ' +
        'opens itself can be told which keys changed. Remove it, or give `cache.redisUrl`.',
    );
  }
  const maxEntries = cacheIn.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    problems.push('`cache.maxEntries` must be a positive whole number.');
  }
  const timeoutMs = cacheIn.timeoutMs ?? 200;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    problems.push('`cache.timeoutMs` must be a positive number of milliseconds.');
  }
  const keyPrefix = cacheIn.keyPrefix ?? 'qsessions:';
  if (typeof keyPrefix !== 'string') problems.push('`cache.keyPrefix` must be a string.');
  if (engine === 'db' && input.cache !== undefined) {
    problems.push("`cache` only applies to `engine: 'cached_db'`; remove it or set the engine.");
  }

  const maxDataBytes = input.maxDataBytes ?? 65_536;
  if (!Number.isSafeInteger(maxDataBytes) || maxDataBytes < 2) {
    problems.push('`maxDataBytes` must be a whole number of bytes (at least 2).');
  }
  if (input.userIdFromSession !== undefined && typeof input.userIdFromSession !== 'function') {
    problems.push('`userIdFromSession` must be a function (data) => userId.');
  }
  for (const flag of ['saveEveryRequest', 'mountMiddleware', 'storeAnonymous'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean')
      problems.push(`\`${flag}\` must be true or false.`);
  }
  const activityInterval = input.activityInterval ?? 5 * 60 * 1000;
  if (!Number.isSafeInteger(activityInterval) || activityInterval < 0) {
    problems.push(
      '`activityInterval` is in milliseconds and must be a whole number ≥ 0 (0 refreshes "last active" on every request).',
    );
  }
  const absoluteLifetime = input.absoluteLifetime ?? null;
  if (absoluteLifetime !== null && (!Number.isSafeInteger(absoluteLifetime) || absoluteLifetime < 1000)) {
    problems.push(
      '`absoluteLifetime` is in milliseconds and must be a whole number of at least 1000, or null for no absolute limit.',
    );
  }
  const anonymousLifetime = input.anonymousLifetime === undefined ? ONE_DAY_MS : input.anonymousLifetime;
  if (anonymousLifetime !== null && (!Number.isSafeInteger(anonymousLifetime) || anonymousLifetime < 1000)) {
    problems.push(
      '`anonymousLifetime` is in milliseconds and must be a whole number of at least 1000, or null to give sessions ' +
        'without a user `cookie.maxAge` too.',
    );
  }
  const trustProxy = compileTrustProxy(input.trustProxy ?? false, problems);
  let geoip: ResolvedGeoIpOptions = { cityPath: null, countryPath: null };
  // The field problems one by one, as the other sections' are; what is left to resolveGeoIpOptions
  // to refuse (not an object, a database file given as the folder) is one problem each.
  const geoipProblems = isOptionObject(input.geoip) ? geoIpOptionProblems(input.geoip) : [];
  problems.push(...geoipProblems);
  if (geoipProblems.length === 0) {
    try {
      geoip = resolveGeoIpOptions(input.geoip, process.env);
    } catch (error) {
      problems.push((error as Error).message.replace(/^nest-qsessions: /, ''));
    }
  }

  const legacyCookie = resolveLegacyCookie(input.legacyCookie, name, problems);

  if (problems.length > 0) throw new QSessionsConfigError(problems);
  return {
    engine,
    dataSource: input.dataSource,
    cookie: {
      name,
      maxAge,
      expireAtBrowserClose: cookieIn.expireAtBrowserClose ?? false,
      domain: cookieIn.domain,
      path,
      httpOnly: cookieIn.httpOnly ?? true,
      sameSite,
      secure,
      partitioned: cookieIn.partitioned ?? false,
      priority: cookieIn.priority,
    },
    cache: {
      redisUrl: cacheIn.redisUrl,
      instance: cacheIn.instance,
      useAppCacheManager,
      nearCache: cacheIn.redisUrl !== undefined && cacheIn.instance === undefined && cacheIn.nearCache !== false,
      maxEntries,
      timeoutMs,
      keyPrefix,
    },
    saveEveryRequest: input.saveEveryRequest ?? false,
    trustProxy,
    userIdFromSession: input.userIdFromSession ?? defaultUserIdFromSession,
    maxDataBytes,
    mountMiddleware: input.mountMiddleware ?? true,
    activityInterval,
    absoluteLifetime,
    anonymousLifetime,
    storeAnonymous: input.storeAnonymous ?? true,
    geoip,
    legacyCookie,
  };
}

/**
 * A nested options object (`cookie`, `cache`), checked to be an object with only known keys,
 * problems added to `problems`. Left out, or unusable, it reads as empty, so that the rest of
 * the section is still checked (against its defaults) and every problem is listed at once.
 */
function optionSection<T extends object>(
  value: T | undefined,
  path: string,
  known: KnownKeys<T>,
  example: string,
  problems: string[],
): Partial<T> {
  if (value === undefined) return {};
  if (!isOptionObject(value)) {
    problems.push(`\`${path}\` must be an object such as ${example}, or left out; got ${describeValue(value)}.`);
    return {};
  }
  problems.push(...unknownKeyProblems(value, known, path));
  return value;
}

function compileTrustProxy(option: TrustProxyOption, problems: string[]): (address: string, hop: number) => boolean {
  if (option === false) return () => false;
  if (option === true) return () => true;
  if (typeof option === 'function') return option;
  if (typeof option === 'number') {
    if (!Number.isSafeInteger(option) || option < 0) {
      problems.push('`trustProxy` as a number is the count of proxy hops to trust and must be a whole number ≥ 0.');
    }
    return (_address, hop) => hop < option;
  }
  try {
    const list = typeof option === 'string' ? option.split(',').map((part) => part.trim()) : option;
    return proxyAddr.compile(list);
  } catch (error) {
    problems.push(
      `\`trustProxy\` could not be read: ${(error as Error).message}. Use addresses, CIDR subnets or 'loopback'/'linklocal'/'uniquelocal'.`,
    );
    return () => false;
  }
}

/** `userId`, else passport's `passport.user` (a primary key, or an object carrying `id`). */
export function defaultUserIdFromSession(data: Readonly<Record<string, unknown>>): UserId | null {
  const direct = asUserId(data.userId);
  if (direct !== null) return direct;
  const passport = data.passport;
  if (typeof passport === 'object' && passport !== null) {
    const user = (passport as { user?: unknown }).user;
    const id = asUserId(user);
    if (id !== null) return id;
    if (typeof user === 'object' && user !== null) return asUserId((user as { id?: unknown }).id);
  }
  return null;
}

function asUserId(value: unknown): UserId | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && value !== '') return value;
  return null;
}

/**
 * `__Host-sessionid` when the cookie is always Secure, host-only and on `/` (what the prefix
 * requires): a browser then refuses that name from a sibling subdomain or plain HTTP, so nobody
 * can toss a cookie that shadows the session's. Else Django's `sessionid`.
 */
function defaultCookieName(cookie: QSessionsCookieOptions): string {
  const hostOnly = cookie.secure === true && (cookie.path ?? '/') === '/' && cookie.domain === undefined;
  return hostOnly ? '__Host-sessionid' : 'sessionid';
}
