import { createHash } from 'node:crypto';
import { USER_AGENT_MAX_LENGTH, normalizeIp, truncateUserAgent } from '../lib/core/client-address.js';
import {
  SESSION_KEY_LENGTH,
  digestSessionKey,
  generateSessionKey,
  isWellFormedSessionKey,
} from '../lib/core/session-key.js';
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
});

describe('resolveOptions: invalid options throw QSessionsConfigError naming the option and the fix', () => {
  const cases: Array<[string, unknown, RegExp[]]> = [
    ['an unknown key', { engin: 'db' }, [/unknown option `engin`/, /known options are .*engine/]],
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
  ];

  it.each(cases)('rejects %s', (_label, options, patterns) => {
    const error = configError(options);
    expect(error.name).toBe('QSessionsConfigError');
    expect(error.message).toMatch(/^nest-qsessions: invalid QSessionsModule options:/);
    expect(error.problems.length).toBeGreaterThanOrEqual(1);
    for (const pattern of patterns) expect(error.message).toMatch(pattern);
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

// cache.nearCache: copies of Redis reads kept in the process, which only a Redis connection the
// library opens itself can keep honest (it is told which keys changed); so it defaults on with
// `redisUrl`, is off otherwise, and asking for it where it cannot work is a configuration error.
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
      /`cache\.nearCache` needs `cache\.redisUrl` \(and no `cache\.instance`\)/,
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
