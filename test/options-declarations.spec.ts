import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { resolveOptions } from '../lib/options/resolve-options.js';
import {
  QSESSIONS_LIVE_DEFAULTS,
  QSESSIONS_CACHE_DEFAULTS,
  QSESSIONS_COOKIE_DEFAULTS,
  QSESSIONS_DEFAULTS,
  QSESSIONS_LEGACY_COOKIE_DEFAULTS,
  type OptionDefaults,
  type QSessionsCacheOptions,
} from '../lib/qsessions.options.js';

// Each option is declared once, in its interface, with its default beside it: the defaults
// objects are also the known keys of the unknown-option check and the source of the resolved
// values. These tests hold the three to each other.

const OPTIONS_FILE = fileURLToPath(new URL('../lib/qsessions.options.ts', import.meta.url));
const program = ts.createProgram([OPTIONS_FILE], { strict: true, noEmit: true, skipLibCheck: true });
const checker = program.getTypeChecker();
const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(OPTIONS_FILE)!)!);

/** The property names of an exported interface, inherited ones included, as the compiler sees them. */
function declaredKeys(name: string): string[] {
  const symbol = exports.find((candidate) => candidate.name === name);
  if (symbol === undefined) throw new Error(`lib/qsessions.options.ts exports no ${name}`);
  return checker
    .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))
    .map((property) => property.name)
    .sort();
}

describe('option declarations', () => {
  it.each([
    ['QSessionsModuleRootOptions', QSESSIONS_DEFAULTS],
    ['QSessionsCookieOptions', QSESSIONS_COOKIE_DEFAULTS],
    ['QSessionsCacheOptions', QSESSIONS_CACHE_DEFAULTS],
    ['QSessionsLegacyCookieOptions', QSESSIONS_LEGACY_COOKIE_DEFAULTS],
  ])('gives every key of %s a default, and no other key', (name, defaults) => {
    expect(Object.keys(defaults).sort()).toEqual(declaredKeys(name));
  });

  it('does not compile a defaults object that forgets an option', () => {
    // @ts-expect-error `instance`, `useAppCacheManager` and the rest are missing.
    const incomplete: OptionDefaults<QSessionsCacheOptions> = { redisUrl: undefined };
    expect(incomplete).toBeDefined();
  });

  it('resolves options left out to their declared defaults', () => {
    // geoip: false keeps GEOIP_PATH of the environment out of it.
    const resolved = resolveOptions({ geoip: false });
    const { cookie, cache, geoip, legacyCookie, trustProxy, history, live, ...topLevel } = resolved;
    const {
      cookie: _cookie,
      cache: _cache,
      geoip: _geoip,
      legacyCookie: _legacyCookie,
      trustProxy: _trustProxy,
      userEntity: _userEntity,
      history: historyDefault,
      live: liveDefaults,
      ...topLevelDefaults
    } = QSESSIONS_DEFAULTS;
    expect(topLevel).toEqual(topLevelDefaults);
    expect(cookie).toEqual(QSESSIONS_COOKIE_DEFAULTS);
    // The near cache is on by default, but only ever with `redisUrl`.
    expect(cache).toEqual({ ...QSESSIONS_CACHE_DEFAULTS, nearCache: false });
    expect(geoip).toEqual({ cityPath: null, countryPath: null, turnedOff: true });
    expect(legacyCookie).toBeNull();
    expect(trustProxy('203.0.113.7', 0)).toBe(QSESSIONS_DEFAULTS.trustProxy);
    // Off by default: resolved as null (no history), as `false` says.
    expect([historyDefault, history]).toEqual([false, null]);
    // Durations resolved to milliseconds; the channel under the cache's prefix; no Redis without one.
    expect(liveDefaults).toEqual(QSESSIONS_LIVE_DEFAULTS);
    expect(live).toEqual({
      checkIntervalMs: 30_000,
      redis: null,
      channel: `${QSESSIONS_CACHE_DEFAULTS.keyPrefix}live`,
      allowedOrigins: new Set(QSESSIONS_LIVE_DEFAULTS.allowedOrigins),
    });
  });

  it('takes the cookie name and the near cache from their defaults where they apply', () => {
    const resolved = resolveOptions({
      engine: 'cached_db',
      cookie: { secure: true },
      cache: { redisUrl: 'redis://127.0.0.1:6379' },
    });
    expect(resolved.cookie.name).toBe(`__Host-${QSESSIONS_COOKIE_DEFAULTS.name}`);
    expect(resolved.cache.nearCache).toBe(QSESSIONS_CACHE_DEFAULTS.nearCache);
  });

  it('fills in the legacy cookie from its defaults', () => {
    const until = '2030-01-01T00:00:00Z';
    const { legacyCookie } = resolveOptions({ geoip: false, legacyCookie: { secrets: 's', until } });
    expect(legacyCookie).toEqual({
      ...QSESSIONS_LEGACY_COOKIE_DEFAULTS,
      secrets: ['s'],
      until: Date.parse(until),
    });
  });
});
