import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevice, type RequestSession } from '../lib/index.js';
import { parseAdminFilters } from '../sample-app/src/admin/admin-sessions.service.js';
import { safeNext } from '../sample-app/src/auth/guards.js';
import {
  addFlash,
  clearPendingSignIn,
  isValidCsrfToken,
  pendingSignIn,
  rotateCsrfToken,
  startPendingSignIn,
  takeFlash,
} from '../sample-app/src/auth/session-data.js';
import {
  DEFAULT_DATABASE_URLS,
  DEFAULT_SQLITE_PATH,
  geoIpOptions,
  loadSampleConfig,
  SampleConfigError,
} from '../sample-app/src/config.js';
import { hashPassword, verifyPassword } from '../sample-app/src/users/password.js';
import { deviceDetails, deviceTypeLabel, relativeTime } from '../sample-app/src/views/format.js';
import { escapeHtml, html as tag, trusted } from '../sample-app/src/views/html.js';
import { adminListUrl } from '../sample-app/src/views/admin.page.js';
import { GEOIP_FIXTURES } from './support/sample-app.js';

// The sample app's own building blocks: templates, time and device labels, passwords, CSRF
// tokens, redirects after sign-in, and its environment variables.

describe('html templates', () => {
  // `tag` is the `html` template tag under another name, so that Prettier leaves these literals alone.
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `<img src=x onerror="alert('x')">&`;
    expect(tag`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>',
    );
    expect(escapeHtml('`')).toBe('&#96;');
  });

  it('nests templates without escaping them twice, joins lists, and drops false, null and undefined', () => {
    const items = ['a<b', 'c'].map((item) => tag`<li>${item}</li>`);
    expect(tag`<ul>${items}</ul>${false}${null}${undefined}${0}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
    expect(tag`${trusted('<hr>')}`.value).toBe('<hr>');
  });
});

describe('labels', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  it('says how long ago, as people do', () => {
    expect(relativeTime(ago(10), now)).toBe('just now');
    expect(relativeTime(ago(5 * 60), now)).toBe('5 minutes ago');
    expect(relativeTime(ago(60), now)).toBe('1 minute ago');
    expect(relativeTime(ago(3 * 3600), now)).toBe('3 hours ago');
    expect(relativeTime(ago(30 * 3600), now)).toBe('yesterday');
    expect(relativeTime(ago(9 * 86400), now)).toBe('9 days ago');
    expect(relativeTime(ago(-14 * 86400), now)).toBe('in 14 days');
    expect(relativeTime(ago(400 * 86400), now)).toBe('last year');
  });

  it('labels devices with their type and versions', () => {
    const iphone = parseDevice(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    );
    expect([deviceTypeLabel(iphone), deviceDetails(iphone)]).toEqual(['Phone', 'Safari 17 · iOS 17.4']);
    const mac = parseDevice('Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0');
    expect([deviceTypeLabel(mac), deviceDetails(mac)]).toEqual(['Desktop', 'Firefox 125 · macOS 10.15']);
    const nothing = parseDevice(null);
    expect([deviceTypeLabel(nothing), deviceDetails(nothing)]).toEqual(['Unknown device type', 'No browser details']);
  });
});

describe('passwords', () => {
  it('hashes with scrypt and a salt of its own, and verifies', async () => {
    const first = await hashPassword('alice-password');
    const second = await hashPassword('alice-password');
    expect(first).not.toBe(second);
    expect(await verifyPassword('alice-password', first)).toBe(true);
    expect(await verifyPassword('alice-password', second)).toBe(true);
    expect(await verifyPassword('alice-passwore', first)).toBe(false);
    expect(await verifyPassword('', first)).toBe(false);
  });

  it('refuses malformed hashes instead of throwing', async () => {
    for (const stored of ['', 'plain', 'scrypt$1$2$3', 'bcrypt$16384$8$1$c2FsdA$a2V5', 'scrypt$x$8$1$c2FsdA$a2V5']) {
      expect(await verifyPassword('x', stored)).toBe(false);
    }
  });
});

describe('session helpers', () => {
  const session = (data: Record<string, unknown>) => data as unknown as RequestSession;

  it('accepts only the exact CSRF token of the session', () => {
    const current = session({});
    const token = rotateCsrfToken(current);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(isValidCsrfToken(current, token)).toBe(true);
    expect(isValidCsrfToken(current, token.slice(0, -1))).toBe(false);
    expect(isValidCsrfToken(current, `${token}x`)).toBe(false);
    expect(isValidCsrfToken(current, [token])).toBe(false);
    expect(isValidCsrfToken(current, undefined)).toBe(false);
    expect(isValidCsrfToken(session({}), '')).toBe(false);
    expect(isValidCsrfToken(undefined, token)).toBe(false);
    expect(rotateCsrfToken(current)).not.toBe(token);
    expect(isValidCsrfToken(current, token)).toBe(false);
  });

  it('shows flash messages once', () => {
    const current = session({});
    addFlash(current, 'success', 'one');
    addFlash(current, 'error', 'two');
    expect(takeFlash(current)).toEqual([
      { kind: 'success', text: 'one' },
      { kind: 'error', text: 'two' },
    ]);
    expect(takeFlash(current)).toEqual([]);
  });

  it('keeps a sign-in refused at the session limit for five minutes, then forgets it', () => {
    const current = session({});
    expect(pendingSignIn(current)).toBeNull();
    startPendingSignIn(current, 7, '/account/password');
    const at = (current.pendingSignIn as { at: number }).at;
    expect(pendingSignIn(current, at + 5 * 60_000)).toEqual({ userId: 7, at, next: '/account/password' });
    expect(pendingSignIn(current, at + 5 * 60_000 + 1)).toBeNull();
    expect(pendingSignIn(current, at - 1)).toBeNull();
    expect(pendingSignIn(session({ pendingSignIn: { userId: '7', at } }), at)).toBeNull();
    expect(pendingSignIn(session({ pendingSignIn: 'x' }), at)).toBeNull();
    clearPendingSignIn(current);
    expect(current).toEqual({});
  });

  it('returns after sign-in only to a path of this site', () => {
    expect(safeNext('/admin/sessions?q=alice&page=2')).toBe('/admin/sessions?q=alice&page=2');
    for (const bad of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'sessions', '/a b', '/login']) {
      expect(safeNext(bad)).toBeNull();
    }
    expect(safeNext(['/sessions'])).toBeNull();
  });

  it('reads the admin filters, falling back to the defaults', () => {
    expect(parseAdminFilters({})).toEqual({ q: '', status: 'active', page: 1 });
    expect(parseAdminFilters({ q: '  bob ', status: 'expired', page: '3' })).toEqual({
      q: 'bob',
      status: 'expired',
      page: 3,
    });
    expect(parseAdminFilters({ q: ['a', 'b'], status: 'drop table', page: '-1' })).toEqual({
      q: '',
      status: 'active',
      page: 1,
    });
    expect(adminListUrl({ q: 'a&b', status: 'all', page: 2 })).toBe('/admin/sessions?q=a%26b&status=all&page=2');
    expect(adminListUrl({ q: '', status: 'active', page: 1 })).toBe('/admin/sessions');
  });
});

describe('sample app environment', () => {
  it('defaults to the SQLite file beside the app, the cached_db engine, the in-memory cache and 5 sessions per user', () => {
    const config = loadSampleConfig({});
    expect(config).toEqual({
      database: { kind: 'sqlite', path: DEFAULT_SQLITE_PATH },
      reset: false,
      engine: 'cached_db',
      redisUrl: null,
      geoip: false,
      trustProxy: false,
      host: '127.0.0.1',
      port: 3000,
      csrfSecret: null,
      maxSessionsPerUser: 5,
      onSessionLimit: 'evict-least-recent',
    });
    expect(DEFAULT_SQLITE_PATH).toMatch(/sample-app[\\/]sample\.db$/);
  });

  it('reads a session limit and its policy, and names a bad one', () => {
    expect(loadSampleConfig({ SAMPLE_MAX_SESSIONS: '5', SAMPLE_ON_SESSION_LIMIT: 'refuse' })).toMatchObject({
      maxSessionsPerUser: 5,
      onSessionLimit: 'refuse',
    });
    expect(loadSampleConfig({ SAMPLE_MAX_SESSIONS: 'none' }).maxSessionsPerUser).toBeNull();
    expect(() => loadSampleConfig({ SAMPLE_MAX_SESSIONS: '0' })).toThrow('SAMPLE_MAX_SESSIONS must be a whole number');
    expect(() => loadSampleConfig({ SAMPLE_ON_SESSION_LIMIT: 'kick' })).toThrow(
      'SAMPLE_ON_SESSION_LIMIT must be one of evict-least-recent, evict-oldest, refuse, not "kick".',
    );
  });

  it('switches to PostgreSQL or MariaDB, with or without a URL, and to Redis', () => {
    expect(loadSampleConfig({ SAMPLE_DB: 'postgres' }).database).toEqual({
      kind: 'postgres',
      url: DEFAULT_DATABASE_URLS.postgres,
    });
    expect(loadSampleConfig({ SAMPLE_DB: 'mariadb' }).database).toEqual({
      kind: 'mariadb',
      url: DEFAULT_DATABASE_URLS.mariadb,
    });
    expect(loadSampleConfig({ SAMPLE_DB_URL: 'postgresql://u:p@db:5433/app' }).database).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@db:5433/app',
    });
    const redis = loadSampleConfig({ SAMPLE_DB_URL: 'mariadb://root@db/app', SAMPLE_REDIS_URL: 'redis://cache:6379' });
    expect([redis.database.kind, redis.redisUrl]).toEqual(['mariadb', 'redis://cache:6379']);
  });

  it('reads the proxy setting, the port and the reset switch', () => {
    const parse = (value: string) => loadSampleConfig({ SAMPLE_TRUST_PROXY: value }).trustProxy;
    expect([parse('loopback'), parse('true'), parse('false'), parse('2'), parse('10.0.0.0/8, loopback')]).toEqual([
      'loopback',
      true,
      false,
      2,
      '10.0.0.0/8, loopback',
    ]);
    const config = loadSampleConfig({ PORT: '0', HOST: '0.0.0.0', SAMPLE_RESET: '1', SAMPLE_ENGINE: 'db' });
    expect([config.port, config.host, config.reset, config.engine]).toEqual([0, '0.0.0.0', true, 'db']);
  });

  it('lists every mistake at once', () => {
    let error: unknown;
    try {
      loadSampleConfig({
        SAMPLE_DB: 'oracle',
        PORT: 'eighty',
        SAMPLE_ENGINE: 'redis',
        SAMPLE_REDIS_URL: 'localhost:6379',
        SAMPLE_RESET: 'yes',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SampleConfigError);
    expect((error as SampleConfigError).problems).toEqual([
      'SAMPLE_DB must be one of sqlite, postgres, mariadb, not "oracle".',
      'SAMPLE_ENGINE must be "db" or "cached_db", not "redis".',
      'SAMPLE_REDIS_URL must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379.',
      'PORT must be a port number (0 picks a free one), not "eighty".',
      'SAMPLE_RESET must be 1 or 0, not "yes".',
    ]);
    expect(() => loadSampleConfig({ SAMPLE_CSRF_SECRET: 'too short' })).toThrow(
      'SAMPLE_CSRF_SECRET must be at least 32 characters',
    );
    expect(loadSampleConfig({ SAMPLE_CSRF_SECRET: 's'.repeat(32) }).csrfSecret).toBe('s'.repeat(32));
    expect(() => loadSampleConfig({ SAMPLE_DB: 'postgres', SAMPLE_DB_URL: 'mysql://root@db/app' })).toThrow(
      'SAMPLE_DB=postgres does not match SAMPLE_DB_URL mysql://root@db/app.',
    );
    expect(() => loadSampleConfig({ SAMPLE_DB_URL: 'mongodb://db/app' })).toThrow(SampleConfigError);
    expect(() => loadSampleConfig({ SAMPLE_ENGINE: 'db', SAMPLE_REDIS_URL: 'redis://x' })).toThrow(
      'SAMPLE_REDIS_URL needs SAMPLE_ENGINE=cached_db',
    );
  });

  it('finds the GeoIP databases in GEOIP_PATH, whatever MaxMind edition they are', () => {
    expect(geoIpOptions(undefined)).toBe(false);
    expect(geoIpOptions(GEOIP_FIXTURES)).toEqual({
      cityPath: join(GEOIP_FIXTURES, 'GeoIP2-City-Test.mmdb'),
      countryPath: join(GEOIP_FIXTURES, 'GeoIP2-Country-Test.mmdb'),
    });
    const folder = mkdtempSync(join(tmpdir(), 'sample-geoip-'));
    try {
      // Nothing there: passed on as is, so that the library says what is missing.
      expect(geoIpOptions(folder)).toEqual({ path: folder });
      copyFileSync(join(GEOIP_FIXTURES, 'GeoLite2-Country-Test.mmdb'), join(folder, 'GeoLite2-Country.mmdb'));
      expect(geoIpOptions(folder)).toEqual({ path: join(folder, 'GeoLite2-Country.mmdb') });
      copyFileSync(join(GEOIP_FIXTURES, 'GeoLite2-City-Test.mmdb'), join(folder, 'GeoLite2-City.mmdb'));
      copyFileSync(join(GEOIP_FIXTURES, 'GeoIP2-City-Test.mmdb'), join(folder, 'GeoIP2-City-Test.mmdb'));
      // MaxMind's own names come first.
      expect(geoIpOptions(folder)).toEqual({
        cityPath: join(folder, 'GeoLite2-City.mmdb'),
        countryPath: join(folder, 'GeoLite2-Country.mmdb'),
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
