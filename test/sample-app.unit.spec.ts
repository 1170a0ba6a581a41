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
  describeMail,
  geoIpOptions,
  loadSampleConfig,
  SampleConfigError,
} from '../sample-app/src/config.js';
import { endedKey, loginUrl, signedOutNotice } from '../sample-app/src/auth/sign-out-notices.js';
import { listeningOrigin } from '../sample-app/src/http/public-url.js';
import { createMailer, MAIL_SENDER } from '../sample-app/src/mail/mailer.js';
import { newSignInMail } from '../sample-app/src/mail/new-sign-in-mail.js';
import { Outbox, OUTBOX_SIZE } from '../sample-app/src/mail/outbox.js';
import { emailOf } from '../sample-app/src/users/user-email.js';
import { hashPassword, verifyPassword } from '../sample-app/src/users/password.js';
import { activityLabel } from '../sample-app/src/views/activity.page.js';
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

describe('why a browser was signed out', () => {
  it('maps the known reasons to fixed sentences, and anything else to nothing', () => {
    expect(signedOutNotice('revoke-others')).toBe('You were signed out on another device.');
    expect(signedOutNotice('revoke-link')).toBe('This device was signed out from a security e-mail.');
    for (const unknown of ['logout', 'constructor', '__proto__', '', ['admin'], undefined]) {
      expect(signedOutNotice(unknown)).toBeNull();
    }
    const at = new Date();
    expect(endedKey({ reason: 'password-changed', at })).toBe('password-changed');
    expect(endedKey({ reason: 'logout', at })).toBeNull();
    expect(endedKey({ reason: 'toString', at })).toBeNull();
    expect(endedKey(undefined)).toBeNull();
  });

  it('builds the sign-in address with the reason and the way back', () => {
    expect(loginUrl(null, null)).toBe('/login');
    expect(loginUrl('/sessions', 'admin')).toBe('/login?ended=admin');
    expect(loginUrl('/admin/sessions?q=bob', 'limit')).toBe('/login?ended=limit&next=%2Fadmin%2Fsessions%3Fq%3Dbob');
    expect(loginUrl('/account/password', null)).toBe('/login?next=%2Faccount%2Fpassword');
  });
});

describe('security activity labels', () => {
  it('says what happened to each session in plain words', () => {
    const label = (event: string, reason: string | null = null) => activityLabel({ event: event as 'revoked', reason });
    expect(label('signed-in')).toBe('Signed in');
    expect(label('signed-out', 'logout')).toBe('Signed out');
    expect(label('revoked', 'revoke')).toBe('Signed out from another device');
    expect(label('revoked', 'password-changed')).toBe('Signed out: password changed');
    expect(label('revoked', 'admin')).toBe('Signed out by an administrator');
    expect(label('revoked', 'revoke-link')).toBe('Signed out from an e-mail link');
    expect(label('revoked', 'an-app-reason')).toBe('Signed out');
    expect(label('revoked', 'constructor')).toBe('Signed out');
    expect(label('evicted', 'limit')).toBe('Signed out: too many devices');
    expect(label('expired', 'expired')).toBe('Session expired');
  });
});

describe('new sign-in e-mails', () => {
  const signIn = {
    newDevice: true,
    newLocation: false,
    device: 'Chrome on Windows',
    location: null,
    ip: '203.0.113.9',
    at: new Date('2026-11-25T14:05:09Z'),
  };

  it('says what signed in, from where and when, what was new, and gives the link', () => {
    const link = 'https://demo.example.com/not-me?token=abc';
    const mail = newSignInMail({ displayName: 'Alice Andersson', username: 'alice' }, signIn, link);
    expect(mail.subject).toBe('New sign-in to your QSessions Demo account');
    expect(mail.text).toContain("Your account alice was just signed in on a device you haven't used before:");
    expect(mail.text).toContain(
      '  Device:     Chrome on Windows\n  Location:   Unknown location\n  IP address: 203.0.113.9\n',
    );
    expect(mail.text).toContain(`the link works once, for 7 days):\n${link}\n`);
    const place = newSignInMail(
      { displayName: 'A', username: 'a' },
      { ...signIn, newDevice: false, newLocation: true },
      link,
    );
    expect(place.text).toContain("from a place you haven't signed in from before:");
    expect(emailOf({ username: 'alice' })).toBe('alice@example.com');
  });

  it('keeps the last e-mails in the outbox through nodemailer when no mail server is set', async () => {
    const outbox = new Outbox();
    const printed: string[] = [];
    const stop = outbox.onMail((mail) => printed.push(mail.subject));
    const mailer = createMailer({ smtpUrl: null }, outbox);
    for (let index = 1; index <= OUTBOX_SIZE + 2; index++) {
      await mailer.send({ to: 'alice@example.com', subject: `Mail ${index}`, text: `Body ${index}` });
    }
    stop();
    await mailer.send({ to: 'bob@example.com', subject: 'Unprinted', text: '' });
    const kept = outbox.list();
    expect(kept).toHaveLength(OUTBOX_SIZE);
    expect(kept[0]).toMatchObject({ from: MAIL_SENDER, to: 'bob@example.com', subject: 'Unprinted' });
    expect(kept[1]).toMatchObject({
      to: 'alice@example.com',
      subject: `Mail ${OUTBOX_SIZE + 2}`,
      text: `Body ${OUTBOX_SIZE + 2}`,
    });
    expect(kept.at(-1)!.subject).toBe('Mail 4');
    expect(printed).toHaveLength(OUTBOX_SIZE + 2);
    mailer.onApplicationShutdown();
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
      redisCluster: null,
      cachePrefix: null,
      geoip: false,
      trustProxy: false,
      host: '127.0.0.1',
      port: 3000,
      csrfSecret: null,
      maxSessionsPerUser: 5,
      onSessionLimit: 'evict-least-recent',
      smtpUrl: null,
      publicUrl: null,
      metrics: false,
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

  it('reads the mail server and the public address for e-mail links, and names bad ones', () => {
    const config = loadSampleConfig({
      SAMPLE_SMTP_URL: 'smtp://mailer:secret@127.0.0.1:2525',
      SAMPLE_PUBLIC_URL: 'https://demo.example.com/',
    });
    expect([config.smtpUrl, config.publicUrl]).toEqual([
      'smtp://mailer:secret@127.0.0.1:2525',
      'https://demo.example.com',
    ]);
    expect(loadSampleConfig({ SAMPLE_PUBLIC_URL: 'http://127.0.0.1:8080/demo/' }).publicUrl).toBe(
      'http://127.0.0.1:8080/demo',
    );
    expect(() => loadSampleConfig({ SAMPLE_SMTP_URL: 'mail.example.com:25' })).toThrow(
      'SAMPLE_SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://127.0.0.1:2525.',
    );
    for (const bad of ['demo.example.com', 'ftp://demo.example.com', 'https://demo.example.com/?x=1']) {
      expect(() => loadSampleConfig({ SAMPLE_PUBLIC_URL: bad })).toThrow('SAMPLE_PUBLIC_URL must be the http://');
    }
    // The banner never shows the mail server's password.
    expect(describeMail(config, 'http://127.0.0.1:3000/outbox')).toBe(
      'SMTP smtp://mailer:***@127.0.0.1:2525, links to https://demo.example.com',
    );
    expect(describeMail(loadSampleConfig({}), 'http://127.0.0.1:3000/outbox')).toContain(
      'kept at http://127.0.0.1:3000/outbox',
    );
    expect(listeningOrigin('0.0.0.0', 3000)).toBe('http://localhost:3000');
    expect(listeningOrigin('::1', 3000)).toBe('http://[::1]:3000');
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
