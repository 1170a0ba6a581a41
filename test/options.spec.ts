import { createHash } from 'node:crypto';
import { USER_AGENT_MAX_LENGTH, normalizeIp, truncateUserAgent } from '../lib/http/client-address.js';
import {
  SESSION_KEY_LENGTH,
  digestSessionKey,
  generateSessionKey,
  isWellFormedSessionKey,
} from '../lib/session/session-key.js';
import { editDistance, nearestKey } from '../lib/options/nearest-key.js';
import { QSessionsConfigError } from '../lib/options/qsessions-config.error.js';
import { defaultUserIdFromSession, resolveOptions } from '../lib/options/resolve-options.js';
import type { QSessionsModuleOptions } from '../lib/qsessions.options.js';

const TWO_WEEKS_MS = 14 * 24 * 60 * 60 * 1000;

/** The QSessionsConfigError that resolving `options` throws (fails the test if none is thrown). */
function configError(options: unknown): QSessionsConfigError {
  try {
    resolveOptions(options as QSessionsModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(QSessionsConfigError);
    return error as QSessionsConfigError;
  }
  throw new Error(`resolveOptions accepted ${JSON.stringify(options)}`);
}

describe('resolveOptions: defaults', () => {
  it('fills in safe defaults when nothing is given', () => {
    for (const input of [undefined, {}]) {
      const resolved = resolveOptions(input);
      expect(resolved.engine).toBe('db');
      expect(resolved.cookie).toEqual({
        name: 'sessionid',
        maxAge: TWO_WEEKS_MS,
        expireAtBrowserClose: false,
        domain: undefined,
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: 'auto',
        partitioned: false,
        priority: undefined,
      });
      expect(resolved.cookie.maxAge).toBe(1_209_600_000);
      expect(resolved.saveEveryRequest).toBe(false);
      expect(resolved.mountMiddleware).toBe(true);
      // Client Hints are opt-in: no Accept-CH, nothing read or stored.
      expect(resolved.clientHints).toBe(false);
      expect(resolved.maxDataBytes).toBe(65_536);
      expect(resolved.dataSource).toBeUndefined();
      expect(resolved.userIdFromSession).toBe(defaultUserIdFromSession);
      // No proxy is trusted by default: X-Forwarded-For is ignored.
      expect(resolved.trustProxy('127.0.0.1', 0)).toBe(false);
      expect(resolved.trustProxy('10.0.0.1', 0)).toBe(false);
    }
  });

  it('keeps valid settings as given', () => {
    const userIdFromSession = (data: Readonly<Record<string, unknown>>) => (data.uid as number) ?? null;
    const resolved = resolveOptions({
      engine: 'cached_db',
      cookie: { name: '__Host-sid', secure: true, maxAge: 60_000, sameSite: 'strict', expireAtBrowserClose: true },
      cache: { redisUrl: 'rediss://cache.example:6380/2', timeoutMs: 50, keyPrefix: 'app:' },
      saveEveryRequest: true,
      trustProxy: 'loopback',
      userIdFromSession,
      maxDataBytes: 1024,
      clientHints: true,
    });
    expect(resolved.engine).toBe('cached_db');
    expect(resolved.cookie).toMatchObject({
      name: '__Host-sid',
      secure: true,
      maxAge: 60_000,
      sameSite: 'strict',
      expireAtBrowserClose: true,
      path: '/',
    });
    expect(resolved.cache).toMatchObject({
      redisUrl: 'rediss://cache.example:6380/2',
      timeoutMs: 50,
      keyPrefix: 'app:',
    });
    expect(resolved.saveEveryRequest).toBe(true);
    expect(resolved.userIdFromSession).toBe(userIdFromSession);
    expect(resolved.maxDataBytes).toBe(1024);
    expect(resolved.clientHints).toBe(true);
    expect(resolved.trustProxy('127.0.0.1', 0)).toBe(true);
    expect(resolved.trustProxy('::1', 0)).toBe(true);
    expect(resolved.trustProxy('203.0.113.9', 0)).toBe(false);
  });

  it('compiles trustProxy CIDR lists, hop counts and true', () => {
    const cidr = resolveOptions({ trustProxy: '10.0.0.0/8, 192.168.1.1' }).trustProxy;
    expect(cidr('10.20.30.40', 0)).toBe(true);
    expect(cidr('192.168.1.1', 0)).toBe(true);
    expect(cidr('192.168.1.2', 0)).toBe(false);
    const array = resolveOptions({ trustProxy: ['172.16.0.0/12'] }).trustProxy;
    expect(array('172.20.0.1', 0)).toBe(true);
    expect(array('8.8.8.8', 0)).toBe(false);
    const hops = resolveOptions({ trustProxy: 1 }).trustProxy;
    expect(hops('8.8.8.8', 0)).toBe(true);
    expect(hops('8.8.8.8', 1)).toBe(false);
    expect(resolveOptions({ trustProxy: true }).trustProxy('8.8.8.8', 5)).toBe(true);
  });

  it('accepts sameSite none with secure auto or true', () => {
    expect(resolveOptions({ cookie: { sameSite: 'none' } }).cookie.sameSite).toBe('none');
    expect(resolveOptions({ cookie: { sameSite: 'none', secure: true } }).cookie.secure).toBe(true);
  });

  it('names the cookie __Host-sessionid by default when it is always Secure, host-only and on /', () => {
    expect(resolveOptions({ cookie: { secure: true } }).cookie.name).toBe('__Host-sessionid');
    expect(resolveOptions({ cookie: { secure: true, path: '/' } }).cookie.name).toBe('__Host-sessionid');
    // Where the prefix's conditions do not hold, Django's name.
    expect(resolveOptions({}).cookie.name).toBe('sessionid');
    expect(resolveOptions({ cookie: { secure: 'auto' } }).cookie.name).toBe('sessionid');
    expect(resolveOptions({ cookie: { secure: true, path: '/app' } }).cookie.name).toBe('sessionid');
    expect(resolveOptions({ cookie: { secure: true, domain: 'example.com' } }).cookie.name).toBe('sessionid');
    // A name given is kept.
    expect(resolveOptions({ cookie: { secure: true, name: 'sid' } }).cookie.name).toBe('sid');
  });
});

describe('resolveOptions: invalid options throw QSessionsConfigError naming the option and the fix', () => {
  const cases: Array<[string, unknown, RegExp[]]> = [
    ['an unknown key', { engin: 'db' }, [/unknown option `engin`; did you mean `engine`\?/]],
    ['a bad engine', { engine: 'redis' }, [/`engine`/, /'db' or 'cached_db'/, /"redis"/]],
    [
      'a cookie name with a space',
      { cookie: { name: 'my session' } },
      [/`cookie\.name`/, /not a valid cookie name/, /use letters, digits/],
    ],
    ['a cookie name with a semicolon', { cookie: { name: 'sid;x' } }, [/`cookie\.name`/, /use letters, digits/]],
    ['an empty cookie name', { cookie: { name: '' } }, [/`cookie\.name`/]],
    ['maxAge below one second', { cookie: { maxAge: 999 } }, [/`cookie\.maxAge`/, /milliseconds/, /at least 1000/]],
    ['a fractional maxAge', { cookie: { maxAge: 1500.5 } }, [/`cookie\.maxAge`/, /whole number/]],
    ['a maxAge given in seconds as a string', { cookie: { maxAge: '3600' } }, [/`cookie\.maxAge`/]],
    ['a path without leading slash', { cookie: { path: 'app' } }, [/`cookie\.path`/, /must start with "\/"/]],
    [
      'sameSite none with secure false',
      { cookie: { sameSite: 'none', secure: false } },
      [/`cookie\.sameSite: 'none'`/, /needs `cookie\.secure: true`/],
    ],
    ['a bad sameSite', { cookie: { sameSite: 'loose' } }, [/`cookie\.sameSite`/, /'lax', 'strict', 'none' or false/]],
    ['a bad secure', { cookie: { secure: 'yes' } }, [/`cookie\.secure`/, /true, false or 'auto'/]],
    ['__Host- without secure true', { cookie: { name: '__Host-sid' } }, [/`__Host-`/, /`cookie\.secure: true`/]],
    [
      '__Host- with a domain',
      { cookie: { name: '__Host-sid', secure: true, domain: 'example.com' } },
      [/`__Host-`/, /no `cookie\.domain`/],
    ],
    [
      '__Host- with a sub-path',
      { cookie: { name: '__Host-sid', secure: true, path: '/app' } },
      [/`__Host-`/, /`cookie\.path: "\/"`/],
    ],
    [
      '__Secure- without secure true',
      { cookie: { name: '__Secure-sid', secure: 'auto' } },
      [/`__Secure-`/, /`cookie\.secure: true`/],
    ],
    [
      'a trustProxy that is not an address',
      { trustProxy: 'not-an-ip' },
      [/`trustProxy`/, /CIDR subnets or 'loopback'/],
    ],
    ['a trustProxy CIDR with a bad prefix', { trustProxy: '10.0.0.0/33' }, [/`trustProxy`/, /CIDR/]],
    ['a negative trustProxy hop count', { trustProxy: -1 }, [/`trustProxy`/, /whole number/]],
    [
      'cache with engine db',
      { cache: { maxEntries: 10 } },
      [/`cache` only applies to `engine: 'cached_db'`/, /remove it or set the engine/],
    ],
    [
      'cache with the default engine and a redisUrl',
      { engine: 'db', cache: { redisUrl: 'redis://x' } },
      [/`cache` only applies/],
    ],
    [
      'a redisUrl that is not a redis URL',
      { engine: 'cached_db', cache: { redisUrl: 'http://127.0.0.1:6379' } },
      [/`cache\.redisUrl`/, /redis:\/\/ or rediss:\/\//],
    ],
    [
      'a redisUrl without scheme',
      { engine: 'cached_db', cache: { redisUrl: '127.0.0.1:6379' } },
      [/`cache\.redisUrl`/],
    ],
    [
      'a userIdFromSession that is not a function',
      { userIdFromSession: 'userId' },
      [/`userIdFromSession`/, /must be a function/],
    ],
    ['maxDataBytes of 1', { maxDataBytes: 1 }, [/`maxDataBytes`/, /whole number of bytes/]],
    ['fractional maxDataBytes', { maxDataBytes: 10.5 }, [/`maxDataBytes`/]],
    ['maxDataBytes as a string', { maxDataBytes: '64kb' }, [/`maxDataBytes`/]],
    ['clientHints as a string', { clientHints: 'true' }, [/`clientHints` must be true or false/]],
    ['clientHints as a number', { clientHints: 1 }, [/`clientHints` must be true or false/]],
  ];

  it.each(cases)('rejects %s', (_label, options, patterns) => {
    const error = configError(options);
    expect(error.name).toBe('QSessionsConfigError');
    expect(error.message).toMatch(/^nest-qsessions: invalid QSessionsModule options:/);
    expect(error.problems.length).toBeGreaterThanOrEqual(1);
    for (const pattern of patterns) expect(error.message).toMatch(pattern);
  });

  it('has no session cap by default, and checks the cap and its policy', () => {
    const defaults = resolveOptions({});
    expect(defaults.maxSessionsPerUser).toBeNull();
    expect(defaults.onSessionLimit).toBe('evict-least-recent');
    expect(resolveOptions({ maxSessionsPerUser: 5, onSessionLimit: 'evict-oldest' })).toMatchObject({
      maxSessionsPerUser: 5,
      onSessionLimit: 'evict-oldest',
    });
    for (const bad of [0, -1, 2.5, '3', Number.POSITIVE_INFINITY]) {
      expect(() => resolveOptions({ maxSessionsPerUser: bad as number })).toThrow(
        '`maxSessionsPerUser` must be a whole number of at least 1, or null for no limit.',
      );
    }
    expect(() => resolveOptions({ onSessionLimit: 'evict' as 'refuse' })).toThrow(
      "`onSessionLimit` must be 'evict-least-recent', 'evict-oldest', 'refuse'; got \"evict\".",
    );
  });

  it('reports several problems together, one line each', () => {
    const error = configError({
      engine: 'memcached',
      cookie: { maxAge: 10, path: 'relative' },
      maxDataBytes: 0,
      userIdFromSession: 42,
      bogus: true,
    });
    expect(error.problems).toHaveLength(6);
    const text = error.problems.join('\n');
    for (const option of [
      '`engine`',
      '`cookie.maxAge`',
      '`cookie.path`',
      '`maxDataBytes`',
      '`userIdFromSession`',
      '`bogus`',
    ]) {
      expect(text).toContain(option);
    }
    // Each problem is one bullet line of the message.
    expect(error.message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(6);
  });

  it('rejects options that are not an object', () => {
    expect(configError('db').message).toMatch(/options must be an object/);
  });
});

// A mistyped key anywhere must fail start-up: ignored, it would leave its setting at the default
// without a word (`cache.redisURL` running on the per-process memory cache, `cookie.maxage`
// keeping the two-week lifetime).
describe('resolveOptions: unknown keys at every depth', () => {
  const LEGACY = { secrets: 'old-secret', until: '2030-01-01T00:00:00Z' };

  it('names a mistyped cache key by its path and suggests the known one', () => {
    const error = configError({ engine: 'cached_db', cache: { redisURL: 'redis://127.0.0.1:6379' } });
    expect(error.problems).toEqual(['unknown option `cache.redisURL`; did you mean `cache.redisUrl`?']);
    expect(error.message).toBe(
      'nest-qsessions: invalid QSessionsModule options:\n' +
        '  - unknown option `cache.redisURL`; did you mean `cache.redisUrl`?',
    );
  });

  it('names a mistyped cookie key by its path and suggests the known one', () => {
    const error = configError({ cookie: { maxage: 1000 } });
    expect(error.problems).toEqual(['unknown option `cookie.maxage`; did you mean `cookie.maxAge`?']);
    expect(error.message).toBe(
      'nest-qsessions: invalid QSessionsModule options:\n' +
        '  - unknown option `cookie.maxage`; did you mean `cookie.maxAge`?',
    );
  });

  it.each([
    ['a top-level key with a letter missing', { engin: 'cached_db' }, 'unknown option `engin`; did you mean `engine`?'],
    [
      'a top-level key in the wrong case',
      { trustproxy: true },
      'unknown option `trustproxy`; did you mean `trustProxy`?',
    ],
    [
      'a top-level key with a letter too many',
      { legacyCookies: LEGACY },
      'unknown option `legacyCookies`; did you mean `legacyCookie`?',
    ],
    [
      'a cookie key in the wrong case',
      { cookie: { samesite: 'strict' } },
      'unknown option `cookie.samesite`; did you mean `cookie.sameSite`?',
    ],
    [
      'a cookie key spelt as it sounds',
      { cookie: { sameSight: 'strict' } },
      'unknown option `cookie.sameSight`; did you mean `cookie.sameSite`?',
    ],
    [
      'a cookie key with two letters swapped',
      { cookie: { httpOlny: true } },
      'unknown option `cookie.httpOlny`; did you mean `cookie.httpOnly`?',
    ],
    [
      'a cache key with the wrong plural',
      { engine: 'cached_db', cache: { maxEntry: 10 } },
      'unknown option `cache.maxEntry`; did you mean `cache.maxEntries`?',
    ],
    [
      'a geoip key in the wrong case',
      { geoip: { citypath: '/srv/geoip/GeoLite2-City.mmdb' } },
      'unknown option `geoip.citypath`; did you mean `geoip.cityPath`?',
    ],
    [
      'a geoip key with a letter missing',
      { geoip: { contry: 'GeoIP2-Country.mmdb' } },
      'unknown option `geoip.contry`; did you mean `geoip.country`?',
    ],
    [
      'a legacyCookie key in the singular',
      { legacyCookie: { ...LEGACY, secret: 'x' } },
      'unknown option `legacyCookie.secret`; did you mean `legacyCookie.secrets`?',
    ],
  ])('suggests the known key for %s', (_label, options, problem) => {
    expect(configError(options).problems).toEqual([problem]);
  });

  it('still reports the consequence of a mistyped required key (legacyCookie.secret leaves no secrets)', () => {
    const problems = configError({ legacyCookie: { secret: 'old-secret', until: LEGACY.until } }).problems;
    expect(problems).toEqual([
      'unknown option `legacyCookie.secret`; did you mean `legacyCookie.secrets`?',
      expect.stringMatching(/^`legacyCookie\.secrets` must be express-session's `secret`/),
    ]);
    expect(problems.join('\n')).not.toContain('old-secret');
  });

  it.each([
    [
      'the top level',
      { sessionTable: 'sessions' },
      'unknown option `sessionTable`; known options are engine, dataSource, cookie, cache, saveEveryRequest, ' +
        'trustProxy, userIdFromSession, maxDataBytes, mountMiddleware, activityInterval, absoluteLifetime, ' +
        'anonymousLifetime, storeAnonymous, maxSessionsPerUser, onSessionLimit, privacy, history, clientHints, live, ' +
        'geoip, userEntity, legacyCookie.',
    ],
    [
      'cookie',
      { cookie: { expires: 60_000 } },
      'unknown option `cookie.expires`; known options are name, maxAge, expireAtBrowserClose, domain, path, ' +
        'httpOnly, sameSite, secure, partitioned, priority.',
    ],
    [
      'cookie (a short key is not stretched to an unrelated one: `age` is not `name`)',
      { cookie: { age: 60_000 } },
      'unknown option `cookie.age`; known options are name, maxAge, expireAtBrowserClose, domain, path, ' +
        'httpOnly, sameSite, secure, partitioned, priority.',
    ],
    [
      'cache',
      { engine: 'cached_db', cache: { ttl: 60 } },
      'unknown option `cache.ttl`; known options are redisUrl, sentinel, cluster, instance, useAppCacheManager, nearCache, maxEntries, ' +
        'timeoutMs, keyPrefix.',
    ],
    [
      'geoip',
      { geoip: { enabled: true } },
      'unknown option `geoip.enabled`; known options are path, city, country, cityPath, countryPath.',
    ],
    [
      'legacyCookie',
      { legacyCookie: { ...LEGACY, signed: true } },
      'unknown option `legacyCookie.signed`; known options are name, secrets, until, path, domain.',
    ],
  ])('lists the known keys of %s when no key is near', (_label, options, problem) => {
    expect(configError(options).problems).toEqual([problem]);
  });

  it('reports every unknown key of every section at once, with the other problems', () => {
    const error = configError({
      engine: 'cached_db',
      saveEveryRequests: true,
      cookie: { maxage: 1000, path: 'relative' },
      cache: { redisURL: 'redis://127.0.0.1:6379' },
      geoip: { citypath: '/srv/geoip/GeoLite2-City.mmdb', pth: '/srv/geoip' },
      legacyCookie: { ...LEGACY, secret: 'x' },
    });
    expect(error.problems).toEqual([
      'unknown option `saveEveryRequests`; did you mean `saveEveryRequest`?',
      'unknown option `cookie.maxage`; did you mean `cookie.maxAge`?',
      '`cookie.path` must start with "/" and contain no ";" or whitespace.',
      'unknown option `cache.redisURL`; did you mean `cache.redisUrl`?',
      'unknown option `geoip.citypath`; did you mean `geoip.cityPath`?',
      'unknown option `geoip.pth`; did you mean `geoip.path`?',
      'unknown option `legacyCookie.secret`; did you mean `legacyCookie.secrets`?',
    ]);
    expect(error.message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(7);
  });

  it('accepts every known key of every section', () => {
    const resolved = resolveOptions({
      engine: 'cached_db',
      dataSource: 'sessions',
      cookie: {
        name: 'sid',
        maxAge: 60_000,
        expireAtBrowserClose: false,
        domain: 'example.com',
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: 'auto',
        partitioned: false,
        priority: 'high',
      },
      cache: {
        redisUrl: 'redis://127.0.0.1:6379',
        useAppCacheManager: false,
        nearCache: false,
        maxEntries: 10,
        timeoutMs: 50,
        keyPrefix: 'app:',
      },
      saveEveryRequest: false,
      trustProxy: false,
      userIdFromSession: () => null,
      maxDataBytes: 1024,
      mountMiddleware: true,
      activityInterval: 0,
      absoluteLifetime: null,
      maxSessionsPerUser: 3,
      onSessionLimit: 'refuse',
      privacy: { ip: 'truncated' },
      history: { retainDays: 30 },
      clientHints: false,
      geoip: { city: 'City.mmdb', country: 'Country.mmdb', path: '/srv/geoip' },
      legacyCookie: { ...LEGACY, name: 'connect.sid', path: '/', domain: 'example.com' },
    });
    expect(resolved.cookie.priority).toBe('high');
    expect(resolved.cache.keyPrefix).toBe('app:');
    expect(resolved.legacyCookie?.name).toBe('connect.sid');
    expect(resolved.history).toEqual({ retainDays: 30 });
  });

  it("reads a config class instance's own properties like a literal's", () => {
    class CookieSettings {
      maxAge = 60_000;
    }
    expect(resolveOptions({ cookie: new CookieSettings() }).cookie.maxAge).toBe(60_000);
  });
});

describe('resolveOptions: history', () => {
  it('is off unless asked for; true takes the 90-day default', () => {
    expect(resolveOptions({}).history).toBeNull();
    expect(resolveOptions({ history: false }).history).toBeNull();
    expect(resolveOptions({ history: true }).history).toEqual({ retainDays: 90 });
    expect(resolveOptions({ history: {} }).history).toEqual({ retainDays: 90 });
  });

  it.each([
    [{ history: { retainDays: 0 } }, '`history.retainDays` must be a whole number of days from 1 to 3650; got 0.'],
    [{ history: { retainDays: 1.5 } }, '`history.retainDays` must be a whole number of days from 1 to 3650; got 1.5.'],
    [
      { history: { retainDays: 90 * 86_400_000 } },
      '`history.retainDays` must be a whole number of days from 1 to 3650; got 7776000000.',
    ],
    [{ history: { retain: 30 } }, 'unknown option `history.retain`; known options are retainDays.'],
    [{ history: 'yes' }, '`history` must be an object such as { retainDays: 90 } (or true), or left out; got "yes".'],
  ])('refuses %j', (options, problem) => {
    expect(configError(options as never).problems).toEqual([problem]);
  });
});

// Before, a section that was not an object was read as if it were empty: `cookie: 'x'` or
// `cache: []` silently ran on the defaults.
describe('resolveOptions: each section must be an object', () => {
  it.each([
    [
      'a string cookie',
      { cookie: 'sessionid' },
      '`cookie` must be an object such as { maxAge: 3600000 }, or left out; got "sessionid".',
    ],
    [
      'a null cookie',
      { cookie: null },
      '`cookie` must be an object such as { maxAge: 3600000 }, or left out; got null.',
    ],
    [
      'an array as cache',
      { engine: 'cached_db', cache: [] },
      "`cache` must be an object such as { redisUrl: 'redis://127.0.0.1:6379' }, or left out; got an array.",
    ],
    [
      'a Redis URL as cache',
      { engine: 'cached_db', cache: 'redis://127.0.0.1:6379' },
      '`cache` must be an object such as { redisUrl: \'redis://127.0.0.1:6379\' }, or left out; got "redis://127.0.0.1:6379".',
    ],
    [
      'a folder as geoip',
      { geoip: '/srv/geoip' },
      '`geoip` must be an object such as { path: \'/var/lib/geoip\' }, or false to turn GeoIP off; got "/srv/geoip".',
    ],
    ['true as geoip', { geoip: true }, expect.stringMatching(/^`geoip` must be an object .* got boolean true\.$/)],
    [
      'a secret as legacyCookie',
      { legacyCookie: 'old-secret' },
      expect.stringMatching(/^`legacyCookie` must be an object, for example legacyCookie: \{ secrets:/),
    ],
  ])('rejects %s', (_label, options, problem) => {
    expect(configError(options).problems).toEqual([problem]);
  });

  it('reports a bad section next to the problems of the others', () => {
    const problems = configError({ cookie: 42, engine: 'cached_db', cache: { redisURL: 'x' } }).problems;
    expect(problems).toEqual([
      '`cookie` must be an object such as { maxAge: 3600000 }, or left out; got number 42.',
      'unknown option `cache.redisURL`; did you mean `cache.redisUrl`?',
    ]);
  });

  it.each([
    ['an array', [], 'got an array'],
    ['a string', 'db', 'got "db"'],
  ])('rejects %s as the options themselves', (_label, options, got) => {
    expect(configError(options).problems).toEqual([`options must be an object, for example { engine: "db" }; ${got}.`]);
  });
});

describe('nearestKey', () => {
  const COOKIE = ['name', 'maxAge', 'expireAtBrowserClose', 'domain', 'path', 'httpOnly', 'sameSite', 'secure'];

  it('matches a key equal but for case, whatever else is near', () => {
    // Case counted, `NAME` would be four edits from both, too far for either; it is `name` written loudly.
    expect(nearestKey('NAME', ['same', 'name'])).toBe('name');
    expect(nearestKey('SAMESITE', COOKIE)).toBe('sameSite');
  });

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('mxaage', 'maxage')).toBe(1);
    expect(editDistance('maxage', 'maxage')).toBe(0);
    expect(editDistance('', 'path')).toBe(4);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearestKey('mxaAge', COOKIE)).toBe('maxAge');
  });

  it('allows a third of the longer key in edits, at least one', () => {
    // 10 letters: up to 3 edits.
    expect(nearestKey('maxEntry', ['maxEntries'])).toBe('maxEntries');
    expect(nearestKey('mEntry', ['maxEntries'])).toBeUndefined();
    // 9 letters against 8: up to 3 edits.
    expect(editDistance('samesight', 'samesite')).toBe(3);
    expect(nearestKey('sameSight', COOKIE)).toBe('sameSite');
    // 4 letters: one edit.
    expect(nearestKey('pat', COOKIE)).toBe('path');
    expect(nearestKey('pt', COOKIE)).toBeUndefined();
    expect(editDistance('age', 'name')).toBe(2);
    expect(nearestKey('age', COOKIE)).toBeUndefined();
  });

  it('takes the closest key, and the first listed of equally close ones', () => {
    expect(nearestKey('secur', COOKIE)).toBe('secure');
    expect(nearestKey('ab', ['ax', 'ay'])).toBe('ax');
    expect(nearestKey('anything', [])).toBeUndefined();
  });
});

// cache.useAppCacheManager: 'auto' (default) takes the app's CACHE_MANAGER only when it is shared
// by every process; true and false force the choice; anything else is a configuration error.
describe('resolveOptions: cache.useAppCacheManager', () => {
  it("defaults to 'auto' and keeps 'auto', true and false", () => {
    expect(resolveOptions({ engine: 'cached_db' }).cache.useAppCacheManager).toBe('auto');
    for (const value of ['auto', true, false] as const) {
      expect(
        resolveOptions({ engine: 'cached_db', cache: { useAppCacheManager: value } }).cache.useAppCacheManager,
      ).toBe(value);
    }
  });

  it.each([['yes'], ['true'], [1], [null]])('rejects %p', (value) => {
    expect(configError({ engine: 'cached_db', cache: { useAppCacheManager: value } }).problems).toEqual([
      `\`cache.useAppCacheManager\` must be 'auto', true or false, not ${JSON.stringify(value)}.`,
    ]);
  });
});

// cache.nearCache: copies of Redis reads kept in the process, which only a Redis connection the
// library opens itself can keep honest (it is told which keys changed); so it defaults on with
// `redisUrl`, is off otherwise, and asking for it where it cannot work is a configuration error.
// cache.cluster: a Redis Cluster, checked before any connection is tried.
describe('resolveOptions: cache.cluster', () => {
  it("reads 'host:port' and { host, port }, keeps credentials, and turns the near cache on", () => {
    const resolved = resolveOptions({
      engine: 'cached_db',
      cache: { cluster: { rootNodes: ['10.0.0.1:7001', { host: 'n2', port: 7002 }], password: 'p' } },
    });
    expect(resolved.cache.cluster).toEqual({
      password: 'p',
      rootNodes: [
        { host: '10.0.0.1', port: 7001 },
        { host: 'n2', port: 7002 },
      ],
    });
    expect(resolved.cache.nearCache).toBe(true);
    expect(resolved.live.redis).toEqual({ cluster: resolved.cache.cluster });
  });

  it.each([
    ['no root nodes', { rootNodes: [] }, /`cache\.cluster\.rootNodes` must list some nodes of the cluster/],
    ['a node without a port', { rootNodes: ['h'] }, /`cache\.cluster\.rootNodes` must list/],
    ['a username that is not a string', { rootNodes: ['h:1'], username: 1 }, /`cache\.cluster\.username` must be/],
    ['an unknown key', { rootNodes: ['h:1'], nodes: [] }, /unknown option `cache\.cluster\.nodes`/],
  ])('rejects %s', (_label, cluster, problem) => {
    expect(() => resolveOptions({ engine: 'cached_db', cache: { cluster } } as QSessionsModuleOptions)).toThrow(
      problem,
    );
  });

  it('rejects a cluster together with another way to Redis', () => {
    expect(() =>
      resolveOptions({ engine: 'cached_db', cache: { redisUrl: 'redis://h', cluster: { rootNodes: ['h:1'] } } }),
    ).toThrow(/`cache\.redisUrl` and `cache\.cluster` each name a Redis: give one/);
  });
});

// cache.sentinel: Redis behind Sentinel, checked before any connection is tried.
describe('resolveOptions: cache.sentinel', () => {
  const sentinelOf = (sentinel: unknown) =>
    resolveOptions({ engine: 'cached_db', cache: { sentinel } } as QSessionsModuleOptions).cache.sentinel;

  it("reads 'host:port' (IPv6 in brackets) and { host, port }, keeps credentials, and turns the near cache on", () => {
    const resolved = resolveOptions({
      engine: 'cached_db',
      cache: {
        sentinel: {
          name: 'm',
          sentinels: ['10.0.0.1:26379', '[::1]:26380', { host: 's3', port: 26381 }],
          password: 'p',
        },
      },
    });
    expect(resolved.cache.sentinel).toEqual({
      name: 'm',
      password: 'p',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
        { host: 's3', port: 26381 },
      ],
    });
    expect(resolved.cache.nearCache).toBe(true);
  });

  it.each([
    ['not an object', 'redis://x', /`cache\.sentinel` must be an object/],
    ['no name', { sentinels: ['h:1'] }, /`cache\.sentinel\.name` must be the name/],
    ['no sentinels', { name: 'm', sentinels: [] }, /`cache\.sentinel\.sentinels` must list the sentinels/],
    ['a sentinel without a port', { name: 'm', sentinels: ['h'] }, /`cache\.sentinel\.sentinels` must list/],
    ['a port out of range', { name: 'm', sentinels: [{ host: 'h', port: 70000 }] }, /sentinels` must list/],
    ['a password that is not a string', { name: 'm', sentinels: ['h:1'], password: 1 }, /sentinel\.password` must be/],
    ['a negative database', { name: 'm', sentinels: ['h:1'], database: -1 }, /sentinel\.database` must be/],
    ['an unknown key', { name: 'm', sentinels: ['h:1'], master: 'x' }, /unknown option `cache\.sentinel\.master`/],
  ])('rejects %s', (_label, sentinel, problem) => {
    expect(() => sentinelOf(sentinel)).toThrow(problem);
  });

  it('rejects redisUrl and sentinel together', () => {
    expect(() =>
      resolveOptions({
        engine: 'cached_db',
        cache: { redisUrl: 'redis://h', sentinel: { name: 'm', sentinels: ['h:1'] } },
      }),
    ).toThrow(/`cache\.redisUrl` and `cache\.sentinel` each name a Redis: give one/);
  });
});

describe('resolveOptions: cache.nearCache', () => {
  const instance = { mget: () => undefined };

  it('defaults to true with a redisUrl', () => {
    expect(resolveOptions({ engine: 'cached_db', cache: { redisUrl: 'redis://127.0.0.1:6379' } }).cache.nearCache).toBe(
      true,
    );
  });

  it('is false when given false, with a redisUrl', () => {
    const resolved = resolveOptions({ engine: 'cached_db', cache: { redisUrl: 'redis://x', nearCache: false } });
    expect(resolved.cache.nearCache).toBe(false);
  });

  it('is false without a redisUrl (the in-memory cache, an instance, or the app cache)', () => {
    expect(resolveOptions({ engine: 'cached_db' }).cache.nearCache).toBe(false);
    expect(resolveOptions({ engine: 'cached_db', cache: { maxEntries: 5 } }).cache.nearCache).toBe(false);
    expect(resolveOptions({ engine: 'cached_db', cache: { nearCache: false } }).cache.nearCache).toBe(false);
    const withInstance = { engine: 'cached_db', cache: { instance } } as unknown as QSessionsModuleOptions;
    expect(resolveOptions(withInstance).cache.nearCache).toBe(false);
    // An instance wins over redisUrl (chooseCache takes it first), so nothing tracks keys then.
    const both = {
      engine: 'cached_db',
      cache: { instance, redisUrl: 'redis://x' },
    } as unknown as QSessionsModuleOptions;
    expect(resolveOptions(both).cache.nearCache).toBe(false);
  });

  it.each([
    [
      "a nearCache that is not a boolean ('yes')",
      { redisUrl: 'redis://x', nearCache: 'yes' },
      /`cache\.nearCache` must be true or false/,
    ],
    ['nearCache true without a redisUrl', { nearCache: true }, /`cache\.nearCache` needs `cache\.redisUrl`/],
    [
      'nearCache true with an instance',
      { redisUrl: 'redis://x', instance, nearCache: true },
      /`cache\.nearCache` needs `cache\.redisUrl`, `sentinel` or `cluster` \(and no `cache\.instance`\)/,
    ],
  ])('rejects %s', (_label, cache, pattern) => {
    const error = configError({ engine: 'cached_db', cache });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(pattern);
    expect(error.message).toMatch(/^nest-qsessions: invalid QSessionsModule options:/);
  });
});

describe('defaultUserIdFromSession', () => {
  it('reads userId', () => {
    expect(defaultUserIdFromSession({ userId: 7 })).toBe(7);
    expect(defaultUserIdFromSession({ userId: 'b4c1e6d2-0000-4000-8000-000000000000' })).toBe(
      'b4c1e6d2-0000-4000-8000-000000000000',
    );
  });

  it("reads passport's user as an id", () => {
    expect(defaultUserIdFromSession({ passport: { user: 12 } })).toBe(12);
    expect(defaultUserIdFromSession({ passport: { user: 'abc' } })).toBe('abc');
  });

  it("reads passport's user as an object with an id", () => {
    expect(defaultUserIdFromSession({ passport: { user: { id: 5, name: 'ann' } } })).toBe(5);
    expect(defaultUserIdFromSession({ passport: { user: { id: 'u-5' } } })).toBe('u-5');
  });

  it('prefers userId over passport', () => {
    expect(defaultUserIdFromSession({ userId: 1, passport: { user: 2 } })).toBe(1);
  });

  it('gives null when there is no usable id', () => {
    expect(defaultUserIdFromSession({})).toBeNull();
    expect(defaultUserIdFromSession({ FOO: 'BAR' })).toBeNull();
    expect(defaultUserIdFromSession({ userId: '' })).toBeNull();
    expect(defaultUserIdFromSession({ userId: 1.5 })).toBeNull();
    expect(defaultUserIdFromSession({ userId: null })).toBeNull();
    expect(defaultUserIdFromSession({ passport: null })).toBeNull();
    expect(defaultUserIdFromSession({ passport: {} })).toBeNull();
    expect(defaultUserIdFromSession({ passport: { user: { name: 'no id' } } })).toBeNull();
    expect(defaultUserIdFromSession({ passport: 'user' })).toBeNull();
  });
});

describe('session keys', () => {
  const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

  it('are 32 characters of [a-z0-9]', () => {
    expect(SESSION_KEY_LENGTH).toBe(32);
    for (let i = 0; i < 100; i++) {
      const key = generateSessionKey();
      expect(key).toMatch(/^[a-z0-9]{32}$/);
      expect(isWellFormedSessionKey(key)).toBe(true);
    }
  });

  it('are unique over 1000 draws', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateSessionKey()));
    expect(keys.size).toBe(1000);
  });

  it('use the 36 symbols about uniformly (chi-square)', () => {
    const counts = new Map<string, number>([...ALPHABET].map((symbol) => [symbol, 0]));
    const keys = 2000;
    for (let i = 0; i < keys; i++) {
      for (const symbol of generateSessionKey()) counts.set(symbol, counts.get(symbol)! + 1);
    }
    expect(counts.size).toBe(36);
    const total = keys * SESSION_KEY_LENGTH;
    const expected = total / 36;
    let chiSquare = 0;
    for (const count of counts.values()) chiSquare += (count - expected) ** 2 / expected;
    // 35 degrees of freedom: the 99.9999th percentile is about 90. A `byte % 36` bias over
    // 64 000 draws gives about 160, an alphabet missing a symbol many thousands.
    expect(chiSquare).toBeLessThan(100);
    for (const count of counts.values()) expect(count).toBeGreaterThan(expected * 0.75);
  });

  it('reject values that cannot be a key before any lookup', () => {
    const key = generateSessionKey();
    expect(isWellFormedSessionKey(key)).toBe(true);
    expect(isWellFormedSessionKey(key.slice(1))).toBe(false);
    expect(isWellFormedSessionKey(`${key}a`)).toBe(false);
    expect(isWellFormedSessionKey('')).toBe(false);
    expect(isWellFormedSessionKey('A'.repeat(32))).toBe(false);
    expect(isWellFormedSessionKey(`${key.slice(0, 31)}-`)).toBe(false);
    expect(isWellFormedSessionKey(`${key.slice(0, 31)}\n`)).toBe(false);
    expect(isWellFormedSessionKey(`${key.slice(0, 31)}é`)).toBe(false);
    expect(isWellFormedSessionKey(`${key.slice(0, 16)} ${key.slice(17)}`)).toBe(false);
    for (const value of [undefined, null, 12345, { length: 32 }, [key], Buffer.from(key)]) {
      expect(isWellFormedSessionKey(value)).toBe(false);
    }
  });

  it('are stored as their SHA-256 hex digest', () => {
    const key = generateSessionKey();
    const digest = digestSessionKey(key);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).toBe(createHash('sha256').update(key, 'utf8').digest('hex'));
    expect(digestSessionKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digestSessionKey(key)).toBe(digest);
    expect(digestSessionKey(generateSessionKey())).not.toBe(digest);
  });
});

describe('normalizeIp', () => {
  it('writes IPv4-mapped IPv6 as plain IPv4', () => {
    expect(normalizeIp('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeIp('::FFFF:127.0.0.1')).toBe('127.0.0.1');
  });

  it('keeps IPv4 and lowercases IPv6', () => {
    expect(normalizeIp('203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeIp('2001:DB8::AbCd')).toBe('2001:db8::abcd');
    expect(normalizeIp('::1')).toBe('::1');
  });

  it('drops an IPv6 zone id', () => {
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('FE80::A%25')).toBe('fe80::a');
  });

  it('gives null for anything that is not an address', () => {
    for (const value of [
      '',
      'localhost',
      'not an ip',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '::ffff:999.1.1.1',
      '12345::',
      undefined,
      null,
    ]) {
      expect(normalizeIp(value)).toBeNull();
    }
  });
});

describe('truncateUserAgent', () => {
  it('keeps a short User-Agent as is', () => {
    expect(truncateUserAgent('TestUA/1.1')).toBe('TestUA/1.1');
    expect(truncateUserAgent('x'.repeat(300))).toBe('x'.repeat(300));
  });

  it('cuts at 300 characters', () => {
    expect(USER_AGENT_MAX_LENGTH).toBe(300);
    const cut = truncateUserAgent('a'.repeat(301) + 'tail');
    expect(cut).toBe('a'.repeat(300));
  });

  it('never splits a surrogate pair', () => {
    // 299 ASCII characters then an emoji (two UTF-16 units): the emoji straddles the limit.
    const cut = truncateUserAgent('a'.repeat(299) + '😀' + 'b'.repeat(10))!;
    expect(cut).toBe('a'.repeat(299));
    expect(cut).not.toMatch(/[\uD800-\uDBFF]$/);
    // An emoji that fits entirely is kept.
    const fits = truncateUserAgent('a'.repeat(298) + '😀' + 'b'.repeat(10))!;
    expect(fits).toBe('a'.repeat(298) + '😀');
    expect(fits).toHaveLength(300);
    // Only emoji: the result is whole code points.
    const emoji = truncateUserAgent('😀'.repeat(200))!;
    expect(emoji.length).toBeLessThanOrEqual(300);
    expect(emoji).toBe('😀'.repeat(150));
    expect(Buffer.from(emoji, 'utf8').toString('utf8')).toBe(emoji);
  });

  it('gives null for a missing or empty User-Agent, and takes the first of several', () => {
    expect(truncateUserAgent(undefined)).toBeNull();
    expect(truncateUserAgent('')).toBeNull();
    expect(truncateUserAgent([])).toBeNull();
    expect(truncateUserAgent(['First/1.0', 'Second/2.0'])).toBe('First/1.0');
  });
});
