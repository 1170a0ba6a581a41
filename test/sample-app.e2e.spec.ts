import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type request from 'supertest';
import { QSession } from '../lib/index.js';
import { NewSignInAlerts } from '../sample-app/src/mail/new-sign-in-alerts.js';
import { hashPassword } from '../sample-app/src/users/password.js';
import { UsersService } from '../sample-app/src/users/users.service.js';
import { User } from '../sample-app/src/users/user.entity.js';
import { VISITOR_CSRF_COOKIE } from '../sample-app/src/auth/visitor-csrf.js';
import { sessionCookie } from './support/http.js';
import { MailCatcher, notMeLinkOf } from './support/mail-catcher.js';
import { caches, databases } from './support/matrix.js';
import { sampleEnv, startSample, type RunningSample } from './support/sample-app.js';
import { TestClock } from './support/test-clock.js';
import { activityOf, Browser, digest, flashesOf, rowsOf, text } from './support/sample-browser.js';

// The sample app over HTTP, as a browser without JavaScript uses it: sign-in form, "Your
// sessions", the sessions admin, CSRF and ownership checks. On every database and cache of the
// run (SQLite + in-memory cache by default), with MaxMind's test databases for locations.

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0';

const sampleVariants = databases.flatMap((database) => caches.map((cache) => ({ database, cache })));

/** The information messages of a page (the sign-in page's "You were signed out..."). */
const notices = (response: request.Response) => flashesOf(response.text, 'info');

/** A user of this test alone (a fresh history), whose password is `<username>-password` as the demo users'. */
async function addUser(sample: RunningSample, username: string): Promise<User> {
  const users = sample.dataSource.getRepository(User);
  const displayName = `${username[0]!.toUpperCase()}${username.slice(1)} Tester`;
  const passwordHash = await hashPassword(`${username}-password`);
  return users.save(users.create({ username, displayName, passwordHash, isStaff: false }));
}

/** Resolves once every new-sign-in e-mail the sample started sending was sent (or failed). */
const alertsSent = (sample: RunningSample) => sample.app.get(NewSignInAlerts).whenSent();

describe.each(sampleVariants)('sample app on $database + $cache cache', ({ database, cache }) => {
  let sample: RunningSample;
  const browser = (userAgent: string, ip?: string) => new Browser(sample.url, userAgent, ip);
  // The library's clock: a test lets the step-up window pass with it (real time otherwise).
  const clock = new TestClock();

  beforeAll(async () => {
    sample = await startSample(sampleEnv(database, cache), { clock });
  });
  afterEach(() => clock.reset());
  afterAll(() => sample?.close());

  it('creates the demo users once, with salted scrypt hashes', async () => {
    await sample.app.get(UsersService).onApplicationBootstrap();
    const users = await sample.dataSource.getRepository(User).find({ order: { username: 'ASC' } });
    expect(users.map((user) => [user.username, user.isStaff])).toEqual([
      ['admin', true],
      ['alice', false],
      ['bob', false],
    ]);
    for (const user of users) expect(user.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(new Set(users.map((user) => user.passwordHash.split('$')[4])).size).toBe(3);
  });

  it('sends a stranger from / and from protected pages to the sign-in form', async () => {
    const stranger = browser(CHROME_WINDOWS);
    expect((await stranger.get('/')).headers.location).toBe('/login');
    const sessions = await stranger.get('/sessions');
    expect([sessions.status, sessions.headers.location]).toEqual([303, '/login']);
    const admin = await stranger.get('/admin/sessions?q=bob');
    expect([admin.status, admin.headers.location]).toEqual([303, '/login?next=%2Fadmin%2Fsessions%3Fq%3Dbob']);
    // None of this stored a session.
    expect(stranger.key).toBeUndefined();
  });

  it('shows the sign-in form with a CSRF token, strict security headers and no cache', async () => {
    const visitor = browser(CHROME_WINDOWS);
    const page = await visitor.get('/login');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(visitor.token).toMatch(/^[\w-]{43}$/);
    // A visitor's token is a signed cookie of its own (HttpOnly, SameSite=Lax): no session is stored.
    const cookie = sessionCookie(page.headers, VISITOR_CSRF_COOKIE)!;
    expect(cookie.value.startsWith(`${visitor.token}.`)).toBe(true);
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
    expect(sessionCookie(page.headers)).toBeUndefined();
  });

  it('stores no session for strangers who load the sign-in form, however many', async () => {
    const rows = sample.dataSource.getRepository(QSession);
    const before = await rows.count();
    for (let i = 0; i < 25; i++) {
      const stranger = browser(CHROME_WINDOWS);
      expect((await stranger.get('/login')).status).toBe(200);
      expect(stranger.key).toBeUndefined();
    }
    expect(await rows.count()).toBe(before);
  });

  it("refuses a sign-in whose token does not match the visitor's signed cookie (403)", async () => {
    const visitor = browser(CHROME_WINDOWS);
    await visitor.get('/login');
    const token = visitor.token;
    const form = { username: 'alice', password: 'alice-password' };
    // Another visitor's cookie, a cookie whose signature was altered, or none at all.
    const other = browser(CHROME_WINDOWS);
    await other.get('/login');
    visitor.csrfCookie = other.csrfCookie;
    expect((await visitor.post('/login', { _csrf: token, ...form })).status).toBe(403);
    visitor.csrfCookie = `${token}.${'A'.repeat(43)}`;
    expect((await visitor.post('/login', { _csrf: token, ...form })).status).toBe(403);
    visitor.csrfCookie = undefined;
    expect((await visitor.post('/login', { _csrf: token, ...form })).status).toBe(403);
    expect(visitor.key).toBeUndefined();
  });

  it('refuses a wrong password (401) and a sign-in without the CSRF token (403)', async () => {
    const visitor = browser(CHROME_WINDOWS);
    const wrong = await visitor.login('alice', 'not-her-password');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Incorrect username or password.');
    expect(wrong.text).toContain('value="alice"');
    const unknown = await visitor.post('/login', { _csrf: visitor.token, username: 'nobody', password: 'x' });
    expect(unknown.status).toBe(401);
    const noToken = await browser(CHROME_WINDOWS).post('/login', { username: 'alice', password: 'alice-password' });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('This form has expired');
    expect((await visitor.get('/sessions')).status).toBe(303);
  });

  it('escapes every value it echoes into a page', async () => {
    const visitor = browser(CHROME_WINDOWS);
    const attack = '"><script>alert(1)</script>';
    const form = await visitor.get(`/login?next=${encodeURIComponent(`/x${attack}`)}`);
    expect(form.text).not.toContain('<script>');
    expect(form.text).toContain('value="/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    const failed = await visitor.post('/login', { _csrf: visitor.token, username: attack, password: 'x' });
    expect(failed.status).toBe(401);
    expect(failed.text).not.toContain('<script>');
    expect(failed.text).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('signs in on a new key and lists each session with its device, IP, location and "This device"', async () => {
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.get('/login');
    const anonymousKey = windows.key;
    await windows.signIn('alice');
    expect(windows.key).not.toBe(anonymousKey);
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');

    const seenFromWindows = await windows.sessionsPage();
    expect(windows.lastPage).toContain('Signed in as Alice Andersson.');
    expect(seenFromWindows).toEqual([
      {
        id: windows.sessionId,
        current: true,
        title: 'Chrome on Windows',
        facts: expect.objectContaining({
          Device: 'Desktop',
          Location: 'Linköping, Sweden',
          'IP address': '89.160.20.112',
          'Last active': 'Active now',
        }),
        action: '/logout',
      },
      {
        id: iphone.sessionId,
        current: false,
        title: 'Safari on iPhone',
        facts: expect.objectContaining({
          Device: 'Phone',
          Location: 'London, United Kingdom',
          'IP address': '81.2.69.160',
          'Last active': 'just now',
        }),
        action: `/sessions/${iphone.sessionId}/revoke`,
      },
    ]);
    const seenFromIphone = await iphone.sessionsPage();
    expect(seenFromIphone.map((card) => [card.title, card.current])).toEqual([
      ['Safari on iPhone', true],
      ['Chrome on Windows', false],
    ]);
    // The flash message was shown once.
    await windows.sessionsPage();
    expect(windows.lastPage).not.toContain('Signed in as');
  });

  it('shows "Unknown location" for an address the GeoIP database does not know', async () => {
    const local = browser(FIREFOX_MAC);
    await local.signIn('bob');
    const [card] = await local.sessionsPage();
    expect(card!.facts).toMatchObject({ Location: 'Unknown location', 'IP address': '127.0.0.1' });
    expect(card!.title).toBe('Firefox on macOS');
  });

  it("signs out another of the user's sessions, whose next request lands on the sign-in form", async () => {
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');
    await windows.sessionsPage();
    const revoked = await windows.post(`/sessions/${iphone.sessionId}/revoke`, { _csrf: windows.token });
    expect([revoked.status, revoked.headers.location]).toEqual([303, '/sessions']);
    const after = await windows.sessionsPage();
    expect(windows.lastPage).toContain('Signed out Safari on iPhone in London, United Kingdom.');
    expect(after.map((card) => card.id)).not.toContain(iphone.sessionId);
    expect(after.map((card) => card.id)).toContain(windows.sessionId);
    const bounced = await iphone.get('/sessions');
    expect([bounced.status, bounced.headers.location]).toEqual([303, '/login?ended=revoke']);
    // That response cleared the cookie: the reason travels in the address, and the form says it.
    expect(iphone.key).toBeUndefined();
    expect(notices(await iphone.get(bounced.headers.location!))).toEqual(['You were signed out on another device.']);
    expect((await iphone.get('/sessions')).headers.location).toBe('/login');
  });

  it('rejects a POST without or with a wrong CSRF token (403), changing nothing', async () => {
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');
    await windows.sessionsPage();
    const token = windows.token;
    const forged: Array<Record<string, string>> = [
      {},
      { _csrf: '' },
      { _csrf: `${token.slice(0, -1)}x` },
      { _csrf: iphone.token },
    ];
    for (const form of forged) {
      const others = await windows.post('/sessions/revoke-others', form);
      expect(others.status).toBe(403);
      expect(others.text).toContain('This form has expired');
      const one = await windows.post(`/sessions/${iphone.sessionId}/revoke`, form);
      expect(one.status).toBe(403);
      const logout = await windows.post('/logout', form);
      expect(logout.status).toBe(403);
    }
    expect((await iphone.sessionsPage()).map((card) => card.id)).toContain(windows.sessionId);
    expect((await windows.sessionsPage()).map((card) => card.id)).toContain(iphone.sessionId);
  });

  it("cannot sign out another user's session (owner-scoped revoke)", async () => {
    const alice = browser(CHROME_WINDOWS, '89.160.20.112');
    await alice.signIn('alice');
    const bob = browser(FIREFOX_MAC);
    await bob.signIn('bob');
    await bob.sessionsPage();
    const attempt = await bob.post(`/sessions/${alice.sessionId}/revoke`, { _csrf: bob.token });
    expect([attempt.status, attempt.headers.location]).toEqual([303, '/sessions']);
    await bob.sessionsPage();
    expect(bob.lastPage).toContain('That session had already ended.');
    expect((await alice.get('/sessions')).status).toBe(200);
    // Nor through the admin's route: bob is not staff.
    const admin = await bob.post(`/admin/sessions/${alice.sessionId}/revoke`, { _csrf: bob.token });
    expect(admin.status).toBe(403);
    expect((await alice.get('/sessions')).status).toBe(200);
  });

  it('signs out all other sessions, keeping this one', async () => {
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');
    await iphone.sessionsPage();
    const response = await iphone.post('/sessions/revoke-others', { _csrf: iphone.token });
    expect([response.status, response.headers.location]).toEqual([303, '/sessions']);
    const left = await iphone.sessionsPage();
    expect(left.map((card) => [card.id, card.current])).toEqual([[iphone.sessionId, true]]);
    expect(iphone.lastPage).toMatch(/Signed out \d+ other sessions?\./);
    expect(iphone.lastPage).not.toContain('Sign out all other sessions');
    expect((await windows.get('/sessions')).headers.location).toBe('/login?ended=revoke-others');
  });

  it('signs this device out: row deleted, cookie cleared', async () => {
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const id = windows.sessionId;
    await windows.sessionsPage();
    const out = await windows.post('/logout', { _csrf: windows.token });
    expect([out.status, out.headers.location]).toEqual([303, '/login?signedOut=1']);
    expect(sessionCookie(out.headers)?.attributes['max-age']).toBe('0');
    expect(await sample.dataSource.getRepository(QSession).existsBy({ sessionKey: id })).toBe(false);
    expect((await windows.get('/login?signedOut=1')).text).toContain('You have been signed out.');
  });

  it('gives a non-staff user a 403 page on the sessions admin', async () => {
    const bob = browser(FIREFOX_MAC);
    await bob.signIn('bob');
    const page = await bob.get('/admin/sessions');
    expect(page.status).toBe(403);
    expect(page.text).toContain('You don&#39;t have access to this page');
    expect(page.text).not.toContain('<table');
  });

  it('lets staff list, search, filter, page through and revoke every session', async () => {
    await sample.dataSource.getRepository(QSession).clear();
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');
    const bob = browser(FIREFOX_MAC, '2001:218::1');
    await bob.signIn('bob');
    const admin = browser(FIREFOX_MAC, '216.160.83.56');
    await admin.signIn('admin');

    const all = await admin.get('/admin/sessions');
    expect(all.status).toBe(200);
    // Four sessions fit on one page: no pages bar.
    expect(all.text).not.toContain('class="pagination"');
    const rows = rowsOf(all.text);
    expect(rows.map((row) => row.id).sort()).toEqual(
      [windows.sessionId, iphone.sessionId, bob.sessionId, admin.sessionId].sort(),
    );
    const row = (id: string) => rows.find((candidate) => candidate.id === id)!.text;
    expect(row(windows.sessionId)).toMatch(
      /Alice Andersson @alice 89\.160\.20\.112 Linköping, Sweden Chrome on Windows .* in 14 days Active Revoke/,
    );
    expect(row(bob.sessionId)).toContain('Bob Brown @bob 2001:218::1 Japan Firefox on macOS');
    expect(row(admin.sessionId)).toContain('@admin you 216.160.83.56 Milton, United States');

    const byName = rowsOf((await admin.get('/admin/sessions?q=ALICE')).text);
    expect(byName.map((found) => found.id).sort()).toEqual([windows.sessionId, iphone.sessionId].sort());
    const byIp = rowsOf((await admin.get('/admin/sessions?q=81.2.69')).text);
    expect(byIp.map((found) => found.id)).toEqual([iphone.sessionId]);
    // LIKE wildcards are taken literally.
    expect(rowsOf((await admin.get('/admin/sessions?q=%25')).text)).toEqual([]);

    // An expired session: listed under "expired", not under "active", and not revocable.
    const repository = sample.dataSource.getRepository(QSession);
    await repository.update({ sessionKey: bob.sessionId }, { expireDate: new Date(Date.now() - 3600_000) });
    const active = rowsOf((await admin.get('/admin/sessions')).text).map((found) => found.id);
    expect(active).not.toContain(bob.sessionId);
    const expired = rowsOf((await admin.get('/admin/sessions?status=expired')).text);
    expect(expired.map((found) => found.id)).toEqual([bob.sessionId]);
    expect(expired[0]!.text).toContain('Expired');
    expect(expired[0]!.revocable).toBe(false);
    expect(rowsOf((await admin.get('/admin/sessions?status=all')).text)).toHaveLength(4);

    // Revoke: that browser is signed out, and the admin returns to the same filtered list.
    const listed = await admin.get('/admin/sessions?q=alice');
    const revoked = await admin.post(`/admin/sessions/${windows.sessionId}/revoke`, {
      _csrf: admin.token,
      q: 'alice',
      status: 'active',
      page: '1',
    });
    expect(listed.status).toBe(200);
    expect([revoked.status, revoked.headers.location]).toEqual([303, '/admin/sessions?q=alice']);
    const after = await admin.get('/admin/sessions?q=alice');
    expect(after.text).toContain('Revoked the session of alice (Chrome on Windows, 89.160.20.112).');
    expect(rowsOf(after.text).map((found) => found.id)).toEqual([iphone.sessionId]);
    const revokedId = windows.sessionId;
    expect((await windows.get('/sessions')).headers.location).toBe('/login?ended=admin');
    expect((await iphone.get('/sessions')).status).toBe(200);
    const again = await admin.post(`/admin/sessions/${revokedId}/revoke`, { _csrf: admin.token });
    expect(again.headers.location).toBe('/admin/sessions');
    expect((await admin.get('/admin/sessions')).text).toContain('That session had already ended.');
  });

  it('pages the admin table 20 rows at a time', async () => {
    const repository = sample.dataSource.getRepository(QSession);
    await repository.clear();
    const bob = await sample.dataSource.getRepository(User).findOneByOrFail({ username: 'bob' });
    const now = Date.now();
    await repository.insert(
      Array.from({ length: 24 }, (_, index) => ({
        sessionKey: digest(randomBytes(16).toString('hex')),
        sessionData: JSON.stringify({ userId: bob.id }),
        userId: bob.id,
        userAgent: CHROME_WINDOWS,
        ip: `10.0.0.${index + 1}`,
        createdAt: new Date(now - 3600_000),
        updatedAt: new Date(now - index * 60_000),
        expireDate: new Date(now + 86400_000),
      })),
    );
    const admin = browser(FIREFOX_MAC);
    await admin.signIn('admin');
    const first = await admin.get('/admin/sessions');
    const firstRows = rowsOf(first.text);
    expect(firstRows).toHaveLength(20);
    expect(text(first.text)).toContain('1–20 of 25 sessions');
    expect(first.text).toContain('href="/admin/sessions?page=2"');
    const second = await admin.get('/admin/sessions?page=2');
    const secondRows = rowsOf(second.text);
    expect(secondRows).toHaveLength(5);
    expect(text(second.text)).toContain('21–25 of 25 sessions');
    expect(new Set([...firstRows, ...secondRows].map((row) => row.id)).size).toBe(25);
    // Most recently active first; a page past the end shows the last one.
    expect(firstRows[0]!.id).toBe(admin.sessionId);
    expect(rowsOf((await admin.get('/admin/sessions?page=99')).text)).toHaveLength(5);
    const filtered = await admin.get('/admin/sessions?q=10.0.0.2');
    expect(
      rowsOf(filtered.text)
        .map((row) => row.text.match(/10\.0\.0\.\d+/)![0])
        .sort(),
    ).toEqual(['10.0.0.2', '10.0.0.20', '10.0.0.21', '10.0.0.22', '10.0.0.23', '10.0.0.24']);
  });

  it('shows its error page when the session cannot be saved (the database refuses the write): 503', async () => {
    const alice = browser(CHROME_WINDOWS, '198.51.100.1');
    await alice.signIn('alice');
    // The same browser from another address: the session is saved with the new IP, which the
    // database now refuses (a trigger), while it still answers every read.
    const moved = browser(CHROME_WINDOWS, '198.51.100.2');
    moved.key = alice.key;
    await refuseSessionUpdates(sample, database, true);
    try {
      const page = await moved.get('/sessions');
      expect(page.status).toBe(503);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(text(page.text)).toContain('ERROR 503');
      expect(text(page.text)).toContain('Something went wrong');
      expect(sessionCookie(page.headers)).toBeUndefined();
    } finally {
      await refuseSessionUpdates(sample, database, false);
    }
    // Nothing was lost: the session goes on, and is saved with the new address now.
    expect((await moved.get('/sessions')).status).toBe(200);
  });

  it('names a session from its card; a bad name, or a session of another user, gets a message', async () => {
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');
    await windows.sessionsPage();
    const rename = (label: string, id = iphone.sessionId, by = windows) =>
      by.post(`/sessions/${id}/rename`, { _csrf: by.token, label });
    const iphoneCard = async (by = windows) => (await by.sessionsPage()).find((card) => card.id === iphone.sessionId)!;

    const renamed = await rename('  Work phone ');
    expect([renamed.status, renamed.headers.location]).toEqual([303, '/sessions']);
    expect((await iphoneCard()).title).toBe('Work phone');
    expect(windows.lastPage).toContain('Renamed the session to “Work phone”.');
    // The device is still named under it, and the form shows the name to edit.
    const card = new RegExp(`data-session-id="${iphone.sessionId}">([\\s\\S]*?)</li>`).exec(windows.lastPage)![1]!;
    expect(text(/<p>([\s\S]*?)<\/p>/.exec(card)![1]!)).toBe('Safari on iPhone · Safari 17 · iOS 17.4');
    expect(card).toMatch(/name="label"\s+value="Work phone"\s+maxlength="64"/);
    // The other device sees its own name.
    expect((await iphoneCard(iphone)).title).toBe('Work phone');

    await rename('x'.repeat(65));
    expect((await iphoneCard()).title).toBe('Work phone');
    expect(windows.lastPage).toContain('A device name can be at most 64 characters long; this one has 65.');
    await rename('Work\u0007phone');
    expect((await iphoneCard()).title).toBe('Work phone');
    expect(windows.lastPage).toContain('A device name cannot hold control characters');
    await rename('<b>bold</b>');
    // Shown as text, escaped (the card's title as the page's HTML has it).
    expect((await iphoneCard()).title).toBe('&lt;b&gt;bold&lt;/b&gt;');
    expect(windows.lastPage).not.toContain('<b>bold</b>');

    // Another user's session: nothing changes, and it reads as already ended.
    const bob = browser(FIREFOX_MAC);
    await bob.signIn('bob');
    await bob.sessionsPage();
    await rename('Stolen', iphone.sessionId, bob);
    await bob.sessionsPage();
    expect(bob.lastPage).toContain('That session had already ended.');
    expect((await iphoneCard()).title).toBe('&lt;b&gt;bold&lt;/b&gt;');
    expect((await windows.post(`/sessions/${iphone.sessionId}/rename`, { label: 'No token' })).status).toBe(403);

    // An empty name removes it.
    await rename('');
    expect((await iphoneCard()).title).toBe('Safari on iPhone');
    expect(windows.lastPage).toContain('Removed the name of the session.');
  });

  it('changes the password behind step-up: after five minutes it asks for the current one first', async () => {
    const users = sample.app.get(UsersService);
    const bobUser = await sample.dataSource.getRepository(User).findOneByOrFail({ username: 'bob' });
    const stranger = await browser(CHROME_WINDOWS).get('/account/password');
    expect([stranger.status, stranger.headers.location]).toEqual([303, '/login?next=%2Faccount%2Fpassword']);
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('bob');
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('bob');
    try {
      // Just signed in: the form opens at once.
      const fresh = await windows.get('/account/password');
      expect(fresh.status).toBe(200);
      expect(fresh.text).toMatch(/<a href="\/account\/password"\s+aria-current="page">Change password<\/a>/);
      const change = (password: string, repeat = password) =>
        windows.post('/account/password', { _csrf: windows.token, password, repeat });
      const short = await change('short');
      expect(short.status).toBe(400);
      expect(short.text).toContain('The new password must be at least 8 characters long.');
      const mismatch = await change('a new password', 'another password');
      expect(mismatch.status).toBe(400);
      expect(mismatch.text).toContain('The two passwords do not match.');

      // Six minutes later, the sign-in is too old a proof: the page and its POST go to the prompt.
      clock.advance(6 * 60_000);
      const stale = await windows.get('/account/password');
      expect([stale.status, stale.headers.location]).toEqual([303, '/account/confirm?next=/account/password']);
      const stalePost = await change('a new password');
      expect([stalePost.status, stalePost.headers.location]).toEqual([303, '/account/confirm?next=/account/password']);
      const prompt = await windows.get('/account/confirm?next=/account/password');
      expect(prompt.status).toBe(200);
      expect(prompt.text).toContain('name="next" value="/account/password"');
      const confirm = (password: string, next = '/account/password') =>
        windows.post('/account/confirm', { _csrf: windows.token, next, password });
      const wrong = await confirm('not-the-password');
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('Incorrect password.');
      expect((await windows.get('/account/password')).status).toBe(303);
      // Never an open redirect.
      await windows.get('/account/confirm');
      expect((await confirm('bob-password', '//evil.example/')).headers.location).toBe('/sessions');
      await windows.get('/account/confirm');
      const right = await confirm('bob-password');
      expect([right.status, right.headers.location]).toEqual([303, '/account/password']);

      expect((await windows.get('/account/password')).status).toBe(200);
      const changed = await change('a new password');
      expect([changed.status, changed.headers.location]).toEqual([303, '/sessions']);
      await windows.sessionsPage();
      expect(windows.lastPage).toMatch(/Password changed\. Signed out \d+ other sessions?\./);
      expect((await iphone.get('/sessions')).headers.location).toBe('/login?ended=password-changed');
      expect((await browser(FIREFOX_MAC).login('bob', 'bob-password')).status).toBe(401);
      expect((await browser(FIREFOX_MAC).login('bob', 'a new password')).status).toBe(303);
    } finally {
      await users.changePassword(bobUser, 'bob-password');
    }
  });

  it('answers an unknown address with a 404 page', async () => {
    const page = await browser(CHROME_WINDOWS).get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.text).toContain('Page not found');
  });

  it('shows the security activity: each sign-in with its device, place, address and what was new, and how sessions ended', async () => {
    await addUser(sample, 'carol');
    const stranger = await browser(CHROME_WINDOWS).get('/account/activity');
    expect([stranger.status, stranger.headers.location]).toEqual([303, '/login?next=%2Faccount%2Factivity']);
    const windows = browser(CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('carol');
    const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('carol');
    await windows.sessionsPage();
    await windows.post(`/sessions/${iphone.sessionId}/revoke`, { _csrf: windows.token });

    const page = await windows.get('/account/activity');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<a href="\/account\/activity"\s+aria-current="page">Security activity<\/a>/);
    const when = expect.stringMatching(/^\d{1,2} \w{3} 20\d\d, \d\d:\d\d \(just now\)$/);
    expect(activityOf(page.text)).toEqual([
      {
        event: 'revoked',
        sessionId: iphone.sessionId,
        title: 'Signed out from another device',
        device: 'Safari on iPhone · Safari 17 · iOS 17.4',
        facts: { Location: 'London, United Kingdom', 'IP address': '81.2.69.160', When: when },
      },
      {
        event: 'signed-in',
        sessionId: iphone.sessionId,
        title: 'Signed in New device New location',
        device: 'Safari on iPhone · Safari 17 · iOS 17.4',
        facts: { Location: 'London, United Kingdom', 'IP address': '81.2.69.160', When: when },
      },
      {
        // The first sign-in is new in nothing; the browser reading the page is "This device".
        event: 'signed-in',
        sessionId: windows.sessionId,
        title: 'Signed in This device',
        device: 'Chrome on Windows · Chrome 124 · Windows 10',
        facts: { Location: 'Linköping, Sweden', 'IP address': '89.160.20.112', When: when },
      },
    ]);
    // No "Older" link on a short history, and nothing of another user's.
    expect(page.text).not.toContain('rel="next"');
    const bob = browser(FIREFOX_MAC);
    await bob.signIn('bob');
    const ofBob = activityOf((await bob.get('/account/activity')).text);
    expect(ofBob.map((entry) => entry.sessionId)).not.toContain(windows.sessionId);
  });

  it('pages through the activity 20 entries at a time with its Older link; a cursor it did not give is a 400 page', async () => {
    await addUser(sample, 'dave');
    // 13 sign-ins of one kind of browser, 5 sessions at most: 13 "Signed in" and 8 "too many devices".
    const browsers: Browser[] = [];
    for (let index = 0; index < 13; index++) {
      browsers.push(browser(FIREFOX_MAC));
      await browsers[index]!.signIn('dave');
    }
    const reader = browsers[12]!;
    const first = await reader.get('/account/activity');
    const firstEntries = activityOf(first.text);
    expect(firstEntries).toHaveLength(20);
    expect(first.text).not.toContain('>Newest</a>');
    const older = /<a class="btn btn-secondary" rel="next" href="(\/account\/activity\?before=[\w-]+)"/.exec(
      first.text,
    );
    expect(older).not.toBeNull();
    const second = await reader.get(older![1]!);
    expect(second.status).toBe(200);
    const secondEntries = activityOf(second.text);
    expect(second.text).not.toContain('rel="next"');
    expect(second.text).toContain('<a class="btn btn-secondary" href="/account/activity">Newest</a>');
    // The oldest entry last: the first sign-in, new in nothing.
    expect(secondEntries.map((entry) => [entry.title, entry.sessionId])).toEqual([
      ['Signed in', browsers[0]!.sessionId],
    ]);
    const titles = [...firstEntries, ...secondEntries].map((entry) => entry.title.replace(' This device', ''));
    expect(titles.filter((title) => title === 'Signed in')).toHaveLength(13);
    expect(titles.filter((title) => title === 'Signed out: too many devices')).toHaveLength(8);

    for (const bad of ['?before=bm90LWEtY3Vyc29y', '?before=', '?before=a&before=b']) {
      const refused = await reader.get(`/account/activity${bad}`);
      expect(refused.status).toBe(400);
      expect(text(refused.text)).toContain('ERROR 400 That request could not be handled');
    }
    expect(text((await reader.get('/account/activity?before=bm90LWEtY3Vyc29y')).text)).toContain(
      'This history cursor is not one that history() returned.',
    );
  });

  it('says on the sign-in page why this browser was signed out, in fixed sentences only', async () => {
    const visitor = browser(CHROME_WINDOWS);
    const sentences: Record<string, string> = {
      revoke: 'You were signed out on another device.',
      'revoke-others': 'You were signed out on another device.',
      'revoke-all': 'You were signed out on another device.',
      'user-request': 'You were signed out on another device.',
      'password-changed': 'Your password was changed on another device. Sign in with the new one.',
      admin: 'An administrator signed you out.',
      limit: 'You were signed out because your account signed in on too many devices.',
      expired: 'Your session expired.',
      'revoke-link': 'This device was signed out from a security e-mail.',
    };
    for (const [key, sentence] of Object.entries(sentences)) {
      expect(notices(await visitor.get(`/login?ended=${key}`))).toEqual([sentence]);
    }
    // Anything else shows nothing, and never the text of the address.
    for (const query of [
      'logout',
      'constructor',
      '__proto__',
      'hasOwnProperty',
      '%3Cb%3Ehi%3C%2Fb%3E',
      '',
      'admin&ended=limit',
    ]) {
      const page = await visitor.get(`/login?ended=${query}`);
      expect([page.status, notices(page)]).toEqual([200, []]);
      expect(page.text).not.toContain('<b>hi</b>');
    }

    // A plain sign-out says only that.
    const alice = browser(FIREFOX_MAC);
    await alice.signIn('alice');
    await alice.sessionsPage();
    const out = await alice.post('/logout', { _csrf: alice.token });
    expect(notices(await alice.get(out.headers.location!))).toEqual(['You have been signed out.']);

    // A browser that opens / or /login itself with the cookie of a session ended elsewhere.
    const [phone, tablet] = [browser(SAFARI_IPHONE), browser(SAFARI_IPHONE)];
    await phone.signIn('alice');
    await tablet.signIn('alice');
    await alice.signIn('alice');
    await alice.sessionsPage();
    await alice.post('/sessions/revoke-others', { _csrf: alice.token });
    expect(notices(await phone.get('/login'))).toEqual(['You were signed out on another device.']);
    expect((await tablet.get('/')).headers.location).toBe('/login?ended=revoke-others');
  });

  it('keeps e-mails in its outbox without a mail server: a sign-in from a new device, never the first', async () => {
    await addUser(sample, 'erin');
    const mailsTo = async (address: string) =>
      outboxOf((await browser(FIREFOX_MAC).get('/outbox')).text).filter((mail) => mail.to === address);
    await browser(CHROME_WINDOWS, '89.160.20.112').signIn('erin');
    await alertsSent(sample);
    expect(await mailsTo('erin@example.com')).toEqual([]);

    await browser(SAFARI_IPHONE, '81.2.69.160').signIn('erin');
    await alertsSent(sample);
    const outbox = await browser(FIREFOX_MAC).get('/outbox');
    expect(outbox.status).toBe(200);
    const [mail, ...more] = await mailsTo('erin@example.com');
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('New sign-in to your QSessions Demo account');
    expect(mail!.body).toContain('Your account erin was just signed in on a new device, from a new place:');
    expect(mail!.body).toContain('Safari on iPhone');
    expect(mail!.body).toContain('London, United Kingdom');
    // The link is a link on the page, to this app.
    expect(mail!.links).toHaveLength(1);
    expect(mail!.links[0]).toMatch(new RegExp(`^${sample.url}/not-me\\?token=[\\w-]{43}$`));
  });
});

/** The e-mails of the /outbox page, newest first. */
function outboxOf(html: string): Array<{ to: string; subject: string; body: string; links: string[] }> {
  return [...html.matchAll(/<article class="card mail">([\s\S]*?)<\/article>/g)].map(([, mail]) => {
    const body = /<pre class="mail-body">([\s\S]*?)<\/pre>/.exec(mail!)![1]!;
    return {
      to: text(/<dd class="mail-to">([\s\S]*?)<\/dd>/.exec(mail!)![1]!),
      subject: text(/<strong>([\s\S]*?)<\/strong>/.exec(mail!)![1]!),
      body: text(body),
      links: [...body.matchAll(/<a href="([^"]+)">/g)].map(([, href]) => href!),
    };
  });
}

describe.each(sampleVariants)(
  'sample app e-mailing new sign-ins over SMTP on $database + $cache cache',
  ({ database, cache }) => {
    const catcher = new MailCatcher();
    let sample: RunningSample;
    const browser = (userAgent: string, ip?: string) => new Browser(sample.url, userAgent, ip);

    beforeAll(async () => {
      await catcher.start();
      sample = await startSample(sampleEnv(database, cache, { SAMPLE_SMTP_URL: catcher.url }));
    });
    afterAll(async () => {
      await sample?.close();
      await catcher.stop();
    });

    it('mails a sign-in from a new device (never the first), whose link, opened, changes nothing and, confirmed, ends that session once', async () => {
      const windows = browser(CHROME_WINDOWS, '89.160.20.112');
      await windows.signIn('alice');
      // The same kind of browser from the same place again: nothing new either.
      await browser(CHROME_WINDOWS, '89.160.20.112').signIn('alice');
      await alertsSent(sample);
      expect(catcher.mails).toHaveLength(0);

      const iphone = browser(SAFARI_IPHONE, '81.2.69.160');
      await iphone.signIn('alice');
      const iphoneId = iphone.sessionId;
      const mail = await catcher.nth(1);
      expect(mail.recipients).toEqual(['alice@example.com']);
      expect(mail.parsed.from?.text).toBe('"QSessions Demo" <no-reply@example.com>');
      expect(mail.subject).toBe('New sign-in to your QSessions Demo account');
      expect(mail.text).toContain('Hi Alice Andersson,');
      expect(mail.text).toMatch(
        /Device: +Safari on iPhone\n +Location: +London, United Kingdom\n +IP address: +81\.2\.69\.160\n/,
      );
      const link = notMeLinkOf(mail);
      expect(link.origin).toBe(sample.url);

      // Opening the link (a person, or a mail scanner) only shows what will happen.
      const stranger = browser(FIREFOX_MAC);
      for (let visit = 0; visit < 2; visit++) {
        const page = await stranger.get(`${link.pathname}${link.search}`);
        expect(page.status).toBe(200);
        expect(text(page.text)).toContain('Sign out that device');
        expect(text(page.text)).toContain('Sign out all my devices');
      }
      const csrf = stranger.token;
      expect(stranger.key).toBeUndefined();
      expect((await iphone.get('/sessions')).status).toBe(200);
      const token = link.searchParams.get('token')!;
      // The form's POST needs the visitor's CSRF token, like every form.
      expect((await stranger.post('/not-me', { token, scope: 'one' })).status).toBe(403);
      expect((await iphone.get('/sessions')).status).toBe(200);

      // Confirmed: that session ends, the others stay, and the link is used up.
      const confirmed = await stranger.post('/not-me', { _csrf: csrf, token, scope: 'one' });
      expect([confirmed.status, flashesOf(confirmed.text, 'success')]).toEqual([
        200,
        ['That device is signed out. Change your password.'],
      ]);
      const bounced = await iphone.get('/sessions');
      expect(bounced.headers.location).toBe('/login?ended=revoke-link');
      expect(notices(await iphone.get(bounced.headers.location!))).toEqual([
        'This device was signed out from a security e-mail.',
      ]);
      expect((await windows.get('/sessions')).status).toBe(200);
      const again = await stranger.post('/not-me', { _csrf: csrf, token, scope: 'all' });
      expect([again.status, flashesOf(again.text, 'error')]).toEqual([
        410,
        ['This link has expired or was already used.'],
      ]);
      expect((await windows.get('/sessions')).status).toBe(200);
      const [latest] = activityOf((await windows.get('/account/activity')).text);
      expect([latest!.title, latest!.sessionId]).toEqual(['Signed out from an e-mail link', iphoneId]);
      expect(catcher.mails).toHaveLength(1);
    });

    it("signs out every device of the user with the link's second button", async () => {
      const windows = browser(CHROME_WINDOWS, '89.160.20.112');
      await windows.signIn('bob');
      const mac = browser(FIREFOX_MAC, '216.160.83.56');
      await mac.signIn('bob');
      const mail = await catcher.nth(catcher.mails.length + 1);
      expect(mail.recipients).toEqual(['bob@example.com']);
      const token = notMeLinkOf(mail).searchParams.get('token')!;
      // Clicked on one of the user's own devices: its session's CSRF token, and it is signed out too.
      const page = await mac.get(`/not-me?token=${token}`);
      expect(page.status).toBe(200);
      const all = await mac.post('/not-me', { _csrf: mac.token, token, scope: 'all' });
      expect(flashesOf(all.text, 'success')).toEqual([
        'All your devices are signed out. Sign in and change your password.',
      ]);
      expect((await windows.get('/sessions')).headers.location).toBe('/login?ended=revoke-link');
      expect((await mac.get('/sessions')).headers.location).toBe('/login?ended=revoke-link');
    });

    it("answers a link without a token with a 400 page, and escapes the token it shows in the link's form", async () => {
      const visitor = browser(FIREFOX_MAC);
      for (const path of ['/not-me', '/not-me?token=', '/not-me?token=a&token=b']) {
        const page = await visitor.get(path);
        expect(page.status).toBe(400);
        expect(text(page.text)).toContain('This link is incomplete. Open the link of the e-mail again.');
      }
      const attack = '"><script>alert(1)</script>';
      const page = await visitor.get(`/not-me?token=${encodeURIComponent(attack)}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<script>');
      expect(page.text).toContain('name="token" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
      const refused = await visitor.post('/not-me', { _csrf: visitor.token, token: attack, scope: 'all' });
      expect(refused.status).toBe(410);
    });

    it('has no /outbox page (404): the mail server has the e-mails', async () => {
      expect((await browser(FIREFOX_MAC).get('/outbox')).status).toBe(404);
    });
  },
);

describe('sample app with a mail server that cannot be reached', () => {
  it('logs the e-mail it cannot send, without its link, and the sign-in goes on', async () => {
    const broken = await startSample(
      sampleEnv('sqlite', 'memory', { SAMPLE_SMTP_URL: `smtp://127.0.0.1:${await freePort()}` }),
    );
    const warnings: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    try {
      await new Browser(broken.url, CHROME_WINDOWS, '89.160.20.112').signIn('alice');
      const second = new Browser(broken.url, SAFARI_IPHONE, '81.2.69.160');
      await second.signIn('alice');
      await alertsSent(broken);
      expect((await second.get('/sessions')).status).toBe(200);
      const alerts = warnings.filter((line) => line.includes('new sign-in alert'));
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatch(/^Could not send the new sign-in alert to user \d+: .*ECONNREFUSED/);
      expect(alerts[0]).not.toMatch(/token|not-me|[\w-]{43}/);
    } finally {
      spy.mockRestore();
      await broken.close();
    }
  });
});

/** A loopback port nothing listens on (taken, then given back). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(sampleVariants)(
  'sample app at its session limit (2, refuse) on $database + $cache cache',
  ({ database, cache }) => {
    let sample: RunningSample;
    const browser = (userAgent: string, ip?: string) => new Browser(sample.url, userAgent, ip);
    const listed = (page: string) =>
      [...page.matchAll(/<li class="card limit-item" data-session-id="([0-9a-f]{64})">/g)].map(([, id]) => id!);

    beforeAll(async () => {
      sample = await startSample(
        sampleEnv(database, cache, { SAMPLE_MAX_SESSIONS: '2', SAMPLE_ON_SESSION_LIMIT: 'refuse' }),
      );
    });
    afterAll(() => sample?.close());

    let windows: Browser;
    let iphone: Browser;

    it('shows a third device the sessions to choose from, and signs it in in place of the one it picks', async () => {
      windows = browser(CHROME_WINDOWS, '89.160.20.112');
      await windows.signIn('alice');
      iphone = browser(SAFARI_IPHONE, '81.2.69.160');
      await iphone.signIn('alice');
      const mac = browser(FIREFOX_MAC, '216.160.83.56');
      await mac.get('/login?next=/account/password');
      const refused = await mac.post('/login', {
        _csrf: mac.token,
        username: 'alice',
        password: 'alice-password',
        next: '/account/password',
      });
      expect(refused.status).toBe(409);
      expect(text(refused.text)).toContain('You are signed in on 2 devices');
      expect(text(refused.text)).toContain('Linköping, Sweden');
      expect(listed(refused.text)).toEqual([iphone.sessionId, windows.sessionId]);
      expect(refused.text.match(/Sign out this one and sign in here/g)).toHaveLength(2);
      expect((await mac.get('/sessions')).headers.location).toBe('/login');

      const replaced = await mac.post('/login/replace', { _csrf: mac.token, replacing: windows.sessionId });
      expect([replaced.status, replaced.headers.location]).toEqual([303, '/account/password']);
      const cards = await mac.sessionsPage();
      expect(cards.map((card) => card.id).sort()).toEqual([mac.sessionId, iphone.sessionId].sort());
      expect(mac.lastPage).toContain('Signed in as Alice Andersson.');
      expect(mac.lastPage).toContain('Signed out Chrome on Windows in Linköping, Sweden.');
      expect((await windows.get('/sessions')).headers.location).toBe('/login?ended=limit');
      expect((await iphone.get('/sessions')).status).toBe(200);
    });

    it('signs nobody in without a pending sign-in: none, used, or dropped by a new visit to the form', async () => {
      const stranger = browser(CHROME_WINDOWS);
      await stranger.get('/login');
      const none = await stranger.post('/login/replace', { _csrf: stranger.token, replacing: iphone.sessionId });
      expect([none.status, none.headers.location]).toEqual([303, '/login']);
      expect((await stranger.get('/login')).text).toContain('That sign-in has expired. Sign in again.');
      expect(await stranger.post('/login/replace', { replacing: iphone.sessionId })).toHaveProperty('status', 403);

      expect((await windows.login('alice', 'alice-password')).status).toBe(409);
      await windows.get('/login');
      const dropped = await windows.post('/login/replace', { _csrf: windows.token, replacing: iphone.sessionId });
      expect(dropped.headers.location).toBe('/login');
      expect((await iphone.get('/sessions')).status).toBe(200);
    });

    it("shows the list again when the pick is not one of the user's sessions", async () => {
      const bob = browser(FIREFOX_MAC);
      await bob.signIn('bob');
      const windows = browser(CHROME_WINDOWS, '89.160.20.112');
      expect((await windows.login('alice', 'alice-password')).status).toBe(409);
      const token = windows.token;
      const wrong = await windows.post('/login/replace', { _csrf: token, replacing: bob.sessionId });
      expect(wrong.status).toBe(409);
      expect(wrong.text).toContain('That session could not be signed out for this one.');
      expect((await bob.get('/sessions')).status).toBe(200);
      expect((await iphone.get('/sessions')).status).toBe(200);
      // The sign-in still waits for a real choice.
      const right = await windows.post('/login/replace', { _csrf: windows.token, replacing: iphone.sessionId });
      expect(right.headers.location).toBe('/sessions');
      expect((await iphone.get('/sessions')).headers.location).toBe('/login?ended=limit');
    });
  },
);

/** Makes the database refuse (or accept again) every UPDATE of a session row: a real write failure. */
async function refuseSessionUpdates(sample: RunningSample, database: string, refuse: boolean): Promise<void> {
  const statements: Record<string, [string[], string[]]> = {
    sqlite: [
      [
        "CREATE TRIGGER qsessions_refuse BEFORE UPDATE ON qsessions_session BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
      ],
      ['DROP TRIGGER qsessions_refuse'],
    ],
    postgres: [
      [
        "CREATE FUNCTION qsessions_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
        'CREATE TRIGGER qsessions_refuse BEFORE UPDATE ON qsessions_session FOR EACH ROW EXECUTE FUNCTION qsessions_refuse()',
      ],
      ['DROP TRIGGER qsessions_refuse ON qsessions_session', 'DROP FUNCTION qsessions_refuse()'],
    ],
    mariadb: [
      [
        "CREATE TRIGGER qsessions_refuse BEFORE UPDATE ON qsessions_session FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'",
      ],
      ['DROP TRIGGER qsessions_refuse'],
    ],
  };
  const [create, drop] = statements[database]!;
  for (const statement of refuse ? create : drop) await sample.dataSource.query(statement);
}
