/**
 * Conformance suite: every case of django-qsessions' test suite (reference F.1, run there on both
 * engines) and the store-level cases of django-user-sessions' suite (F.2) that apply, ported to
 * a real Nest app over real HTTP, on every variant (engine × database × cache × adapter).
 *
 * Django drives a store object directly; here each case goes through requests, and the store's
 * flags (`accessed`, `modified`) become what they cause: a row written or not, a Set-Cookie sent
 * or not, SQL run or not. The comment above each test names the case it ports and how.
 * Not ported yet (they need GeoIP, User-Agent parsing and an admin UI): F.1 1, 10, 11.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { QSession, QSessionsConfigError, QSessionsModule, type QSessionsModuleRootOptions } from '../lib/index.js';
import { CachedSessionStore } from '../lib/session/cached-session-store.js';
import { DuplicateSessionError, type SessionStore } from '../lib/session/session-store.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { ConformanceController } from './support/conformance.controller.js';
import { sessionCookie, type ParsedSetCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { startTestApp, storeOf, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser, UuidUser } from './support/users.js';
import { digest } from './support/digest.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** The user agent django-qsessions' tests send. */
const UA = 'TestUA/1.1';
/** The 370-character IE8 user agent of django-qsessions' test_very_long_ua. */
const IE8_UA =
  'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0; ELT; ' +
  'BTRS29395; Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1) ;  ' +
  'Embedded Web Browser from: http://bsalsa.com/; .NET CLR 2.0.50727; ' +
  '.NET CLR 3.0.04506.30; .NET CLR 3.0.04506.648; .NET CLR 3.5.21022; ' +
  '.NET CLR 1.1.4322; ELT; .NET CLR 3.0.4506.2152; .NET CLR 3.5.30729; FDM; ' +
  '.NET4.0C; .NET4.0E; ELT)';
const KEY_SHAPE = /^[a-z0-9]{32}$/;
const HOUR = 60 * 60 * 1000;

/** The DB primary key (and public id) of a cookie key. */

/** A well-formed cookie key that was never issued. */
const unknownKey = (): string => randomBytes(16).toString('hex');

/** Whether a Set-Cookie tells the browser to forget the cookie. */
const isCleared = (cookie: ParsedSetCookie | undefined): boolean =>
  cookie !== undefined && cookie.value === '' && cookie.attributes['max-age'] === '0';

/**
 * A browser for one test: sends its User-Agent (and, from another loopback address, a different
 * client IP), keeps the session cookie the server sets and forgets it when the server clears it,
 * as Django's test client does.
 */
class Browser {
  key: string | undefined;

  constructor(
    private readonly t: TestApp,
    private readonly userAgent: string = UA,
    private readonly agent?: Agent,
  ) {}

  /** GETs a path and checks the status (200 unless told). */
  get(path: string, status = 200) {
    return this.send(request(this.t.url).get(path), status);
  }

  /** POSTs a JSON body and checks the status (200 unless told). */
  post(path: string, body: object = {}, status = 200) {
    return this.send(request(this.t.url).post(path).send(body), status);
  }

  private async send(test: request.Test, status: number) {
    test.set('User-Agent', this.userAgent);
    if (this.key !== undefined) test.set('Cookie', `sessionid=${this.key}`);
    if (this.agent) test.agent(this.agent);
    const res = await test.expect(status);
    const cookie = sessionCookie(res.headers);
    if (cookie) this.key = isCleared(cookie) ? undefined : cookie.value;
    return res;
  }
}

async function createUser(t: TestApp, username = 'user'): Promise<IntUser> {
  return t.dataSource.getRepository(IntUser).save({ username });
}

/** The row of a cookie key (with its user loaded when asked), or null. */
function rowOf(t: TestApp, key: string, withUser = false): Promise<QSession | null> {
  return t.dataSource
    .getRepository(QSession)
    .findOne({ where: { sessionKey: digest(key) }, relations: withUser ? { user: true } : {} });
}

/** Writes a session row directly (as Django's tests do through the ORM); returns its cookie key. */
async function insertSession(
  t: TestApp,
  fields: { expireDate: Date; data?: object; userId?: number | null; userAgent?: string; ip?: string },
): Promise<string> {
  const key = unknownKey();
  const now = new Date();
  await t.dataSource.getRepository(QSession).insert({
    sessionKey: digest(key),
    sessionData: JSON.stringify(fields.data ?? {}),
    expireDate: fields.expireDate,
    userId: fields.userId ?? null,
    userAgent: fields.userAgent ?? UA,
    ip: fields.ip ?? '127.0.0.1',
    createdAt: now,
    updatedAt: now,
  });
  return key;
}

/**
 * Starts an application context with the given QSessionsModule options and returns the error
 * it fails with (undefined if it starts). Always on in-memory SQLite: option checks do not
 * depend on the database, and a failed start-up then leaves no connection pool behind.
 */
async function startupError(options: QSessionsModuleRootOptions): Promise<unknown> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'better-sqlite3',
        database: ':memory:',
        entities: [IntUser, UuidUser],
        autoLoadEntities: true,
        synchronize: true,
        retryAttempts: 0,
      }),
      QSessionsModule.forRoot(options),
    ],
  })
  class BadConfigModule {}
  try {
    const context = await NestFactory.createApplicationContext(BadConfigModule, { abortOnError: false, logger: false });
    await context.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

describe.each(variants())('conformance $name', (variant) => {
  let t: TestApp;
  // A second loopback address: the same machine seen as a different client IP.
  const otherAddress = new Agent({ localAddress: '127.0.0.2' });

  beforeAll(async () => {
    t = await startTestApp(variant, { controllers: [TestController, ConformanceController] });
  });
  afterAll(async () => {
    otherAddress.destroy();
    await t?.close();
  });

  const store = () => storeOf(t) as SessionStore;

  // ----- F.1 test_clearsessions.py -----------------------------------------------------------

  // F.1 2 (test_can_call): clearsessions → SessionService.clearExpired(); rows made through the
  // repository on an emptied table; also checks the live one still works and the expired one does not.
  it('F.1 2: clearExpired() deletes the expired session and keeps the live one', async () => {
    const repository = t.dataSource.getRepository(QSession);
    await repository.createQueryBuilder().delete().from(QSession).execute();
    const live = await insertSession(t, { expireDate: new Date(Date.now() + HOUR), data: { a: 1 } });
    const expired = await insertSession(t, { expireDate: new Date(Date.now() - HOUR), data: { a: 2 } });
    expect(await repository.count()).toBe(2);

    expect(await t.sessions.clearExpired()).toBe(1);

    expect(await repository.count()).toBe(1);
    expect(await rowOf(t, live)).not.toBeNull();
    expect(await rowOf(t, expired)).toBeNull();
    const reader = new Browser(t);
    reader.key = live;
    expect((await reader.get('/read_session')).body).toEqual({ a: 1 });
  });

  // ----- F.1 test_middleware.py ----------------------------------------------------------------

  // F.1 3 (test_unmodified_session): GET / (no such route) sets no cookie; we also check that
  // not one query touched the sessions table.
  it('F.1 3: a request without a session cookie that never touches the session sets no cookie and runs no query', async () => {
    t.queries.reset();
    const res = await request(t.url).get('/').set('User-Agent', UA);
    expect(res.status).toBe(404);
    expect(sessionCookie(res.headers)).toBeUndefined();
    const plain = await request(t.url).get('/plain').set('User-Agent', UA).expect(200);
    expect(sessionCookie(plain.headers)).toBeUndefined();
    expect(t.queries.queries).toEqual([]);
  });

  // F.1 4 (test_modify_session[logged_in=False]): same three requests; the UA is checked in the
  // user_agent column instead of a `_qsessions_user_agent` data key (our data holds only user data).
  it('F.1 4: /modify_session stores FOO for an anonymous client with its IP and User-Agent', async () => {
    const browser = new Browser(t);
    expect((await browser.get('/read_session')).body).toEqual({});
    expect(browser.key).toBeUndefined();
    await browser.get('/modify_session');
    expect(browser.key).toMatch(KEY_SHAPE);
    const read = await browser.get('/read_session');
    expect(read.body).toEqual({ FOO: 'BAR' });

    const row = await rowOf(t, browser.key!, true);
    expect(row).toMatchObject({ userAgent: UA, ip: '127.0.0.1', userId: null });
    expect(row!.user).toBeNull();
  });

  // F.1 5 (test_modify_session[logged_in=True]): force_login → POST /login; `_auth_user_id` →
  // data `userId`; row.user is the IntUser.
  it('F.1 5: /modify_session on a signed-in session keeps the user on the row', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.post('/login', { userId: user.id });
    await browser.get('/read_session');
    await browser.get('/modify_session');
    const read = await browser.get('/read_session');
    expect(read.body).toEqual({ FOO: 'BAR', userId: user.id });
    expect(String(read.body.userId)).toBe(String(user.id));

    const row = await rowOf(t, browser.key!, true);
    expect(row).toMatchObject({ userAgent: UA, ip: '127.0.0.1', userId: user.id });
    expect(row!.user).toMatchObject({ id: user.id, username: user.username });
  });

  // F.1 6 (test_login) + F.2 15 (samesite): the admin login form → POST /login {userId}; the row
  // of the new cookie belongs to the user, the key rotated (H.3 cycle_key) and the cookie is Lax.
  it('F.1 6: signing in rotates the key and the new row belongs to the user', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.get('/modify_session');
    const anonymousKey = browser.key!;

    const res = await browser.post('/login', { userId: user.id });
    const cookie = sessionCookie(res.headers);
    expect(cookie?.value).toMatch(KEY_SHAPE);
    expect(cookie!.value).not.toBe(anonymousKey);
    expect(cookie!.attributes.samesite).toBe('Lax');
    expect(cookie!.attributes.httponly).toBe(true);
    expect(cookie!.attributes.path).toBe('/');

    const row = await rowOf(t, cookie!.value, true);
    expect(row!.userId).toBe(user.id);
    expect(row!.user).toMatchObject({ id: user.id });
    expect(await rowOf(t, anonymousKey)).toBeNull();
  });

  // F.1 7 (test_long_ua) + F.2 16: a 500-character User-Agent → no error, and the column holds 300.
  it('F.1 7: a 500-character User-Agent causes no error', async () => {
    const longUa = 'A'.repeat(250) + 'B'.repeat(250);
    const browser = new Browser(t, longUa);
    await browser.get('/modify_session');
    expect(browser.key).toMatch(KEY_SHAPE);
    expect((await browser.get('/read_session')).body).toEqual({ FOO: 'BAR' });
    expect((await rowOf(t, browser.key!))!.userAgent).toBe(longUa.slice(0, 300));
  });

  // ----- F.1 test_model.py ---------------------------------------------------------------------

  // F.1 8 (test_get_decoded) = F.2 17: the decoded data is exactly the user's data (no IP/UA keys;
  // those are compared with the ip and user_agent columns instead).
  it('F.1 8: session_data holds exactly the data set; IP and User-Agent are in their columns', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.post('/login', { userId: user.id });
    await browser.post('/set', { foo: 'bar' });

    const row = await rowOf(t, browser.key!);
    expect(JSON.parse(row!.sessionData)).toEqual({ foo: 'bar', userId: user.id });
    expect(row).toMatchObject({ ip: '127.0.0.1', userAgent: 'TestUA/1.1', userId: user.id });
  });

  // F.1 9 (test_very_long_ua); F.2 18 is the same with 200 (ours is 300, as in qsessions): the
  // 370-character IE8 User-Agent is stored cut to its first 300 characters.
  it('F.1 9: a very long User-Agent is stored cut to 300 characters', async () => {
    expect(IE8_UA).toHaveLength(370);
    const browser = new Browser(t, IE8_UA);
    await browser.get('/modify_session');
    expect((await rowOf(t, browser.key!))!.userAgent).toBe(IE8_UA.slice(0, 300));
  });

  // F.1 12 (test_delete): Session.objects.get(pk).delete() → SessionService.revoke(); `exists` →
  // the next request with that cookie is anonymous. The session is read first, so that with
  // cached_db it sits in the cache: this proves the cache entry went too.
  it('F.1 12: a session revoked through SessionService is gone from the database and the cache', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.post('/login', { userId: user.id });
    const key = browser.key!;
    expect((await browser.get('/read_session')).body).toEqual({ userId: user.id });

    expect(await t.sessions.revoke(user.id, digest(key))).toBe(true);

    expect(await rowOf(t, key)).toBeNull();
    const after = await browser.get('/read_session');
    expect(after.body).toEqual({});
    expect(isCleared(sessionCookie(after.headers))).toBe(true);
  });

  // F.1 13 (test_bulk_delete_from_both_cache_and_db): the bulk delete by user_agent → revokeAll()
  // of the user owning s1 and s2 (UA Python/2.7); s3 (TestUA/1.1) belongs to another user.
  it('F.1 13: a bulk revocation removes those sessions from database and cache and leaves the others', async () => {
    const owner = await createUser(t, 'owner');
    const other = await createUser(t, 'other');
    const s1 = new Browser(t, 'Python/2.7');
    const s2 = new Browser(t, 'Python/2.7');
    const s3 = new Browser(t, 'TestUA/1.1');
    await s1.post('/login', { userId: owner.id });
    await s2.post('/login', { userId: owner.id });
    await s3.post('/login', { userId: other.id });
    const [k1, k2, k3] = [s1.key!, s2.key!, s3.key!];
    for (const browser of [s1, s2, s3]) {
      expect((await browser.get('/read_session')).body).toHaveProperty('userId');
    }

    expect(await t.sessions.revokeAll(owner.id)).toBe(2);

    expect(await rowOf(t, k1)).toBeNull();
    expect(await rowOf(t, k2)).toBeNull();
    expect(await rowOf(t, k3)).not.toBeNull();
    expect((await s1.get('/read_session')).body).toEqual({});
    expect((await s2.get('/read_session')).body).toEqual({});
    expect((await s3.get('/read_session')).body).toEqual({ userId: other.id });
    expect([s1.key, s2.key, s3.key]).toEqual([undefined, undefined, k3]);
  });

  // ----- F.1 test_sessionstore.py (store-level cases, each inside a request) -------------------

  // F.1 14 (test_untouched_init) = F.2 19: a new session reads `cat` as missing; "not modified,
  // not accessed" → no Set-Cookie and no query.
  it('F.1 14: a new session reads nothing, stores nothing and sets no cookie', async () => {
    t.queries.reset();
    const res = await request(t.url).get('/conformance/untouched').set('User-Agent', UA).expect(200);
    expect(res.body).toEqual({ cat: null, keys: [], stored: false });
    expect(sessionCookie(res.headers)).toBeUndefined();
    expect(t.queries.queries).toEqual([]);
  });

  // F.1 15 (test_store): set, `in`, pop, get within one request. The session ends empty, so our
  // port stores nothing (Django's middleware would not save an empty new session either).
  it('F.1 15: set, test, pop and get on the session behave as a dictionary', async () => {
    t.queries.reset();
    const res = await request(t.url).get('/conformance/store-pop').set('User-Agent', UA).expect(200);
    expect(res.body).toEqual({ hadCat: true, popped: 'dog', hasAfter: false, getAfter: null });
    expect(sessionCookie(res.headers)).toBeUndefined();
    expect(t.queries.writes).toEqual([]);
  });

  // F.1 16 (test_auth_session_key) = F.2 20: `in` and get of the user key leave the session
  // unmodified (no write, no Set-Cookie), on a new and on a stored session; setting it saves.
  it('F.1 16: reading the user key does not modify the session; setting it does', async () => {
    const user = await createUser(t);
    t.queries.reset();
    const fresh = await request(t.url).get('/conformance/peek-user').set('User-Agent', UA).expect(200);
    expect(fresh.body).toEqual({ has: false, value: null });
    expect(sessionCookie(fresh.headers)).toBeUndefined();
    expect(t.queries.writes).toEqual([]);

    const browser = new Browser(t);
    await browser.get('/modify_session');
    t.queries.reset();
    const peek = await browser.get('/conformance/peek-user');
    expect(peek.body).toEqual({ has: false, value: null });
    expect(sessionCookie(peek.headers)).toBeUndefined();
    expect(t.queries.writes).toEqual([]);

    t.queries.reset();
    const set = await browser.post('/set', { userId: user.id });
    expect(sessionCookie(set.headers)?.value).toBe(browser.key);
    expect(t.queries.writes).toHaveLength(1);
    expect((await rowOf(t, browser.key!))!.userId).toBe(user.id);
  });

  // F.1 17 (test_save) = F.2 21: setting the user id and saving writes UA, IP, user and a fresh
  // updated_at (now−5 s ≤ updated_at ≤ now).
  it('F.1 17: a saved session records User-Agent, IP, user and the time of the save', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.post('/set', { userId: user.id });
    const now = Date.now();

    const row = await rowOf(t, browser.key!);
    expect(row).toMatchObject({ userAgent: UA, ip: '127.0.0.1', userId: user.id });
    expect(row!.updatedAt.getTime()).toBeGreaterThanOrEqual(now - 5000);
    expect(row!.updatedAt.getTime()).toBeLessThanOrEqual(now);
  });

  // F.1 18 (test_load_unmodified) = F.2 22: a second request with the same key, UA and IP loads
  // the data with the user id; "modified is False" → no write and no Set-Cookie.
  it('F.1 18: loading with the same IP and User-Agent leaves the session unmodified', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.post('/set', { userId: user.id });
    const before = await rowOf(t, browser.key!);

    t.queries.reset();
    const res = await browser.get('/read_session');
    expect(res.body).toEqual({ userId: user.id });
    expect(sessionCookie(res.headers)).toBeUndefined();
    expect(t.queries.writes).toEqual([]);
    expect((await rowOf(t, browser.key!))!.updatedAt.getTime()).toBe(before!.updatedAt.getTime());
  });

  // F.1 19 (test_load_modified) = F.2 23: a second request from another IP (127.0.0.2, another
  // loopback address, stands in for 8.8.8.8) with UA TestUA/1.1-changed. While it runs, the store
  // still holds the old IP/UA (listed through SessionService) and the data is unchanged; once it
  // ends, the row holds the new ones and the cookie is re-sent.
  it('F.1 19: loading from a new IP and User-Agent saves them once the request ends', async () => {
    const user = await createUser(t);
    const first = new Browser(t);
    await first.post('/set', { userId: user.id });
    const second = new Browser(t, 'TestUA/1.1-changed', otherAddress);
    second.key = first.key;

    t.queries.reset();
    const res = await second.get('/conformance/observe-client');
    const writes = [...t.queries.writes];
    expect(res.body).toEqual({
      stored: { ip: '127.0.0.1', userAgent: 'TestUA/1.1' },
      client: { ip: '127.0.0.2', userAgent: 'TestUA/1.1-changed', clientHints: null },
      data: { userId: user.id },
    });
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\s*UPDATE/i);
    expect(sessionCookie(res.headers)?.value).toBe(first.key);

    const row = await rowOf(t, first.key!);
    expect(row).toMatchObject({ ip: '127.0.0.2', userAgent: 'TestUA/1.1-changed', userId: user.id });
    expect(JSON.parse(row!.sessionData)).toEqual({ userId: user.id });
  });

  // F.1 19, our eager-load rule (B.12 row "session never touched" differs on purpose): the IP and
  // UA change is recorded even when the handler never touches the session.
  it('F.1 19 (untouched handler): a new IP and User-Agent are recorded even if the route ignores the session', async () => {
    const first = new Browser(t);
    await first.get('/modify_session');
    const second = new Browser(t, 'TestUA/2.0', otherAddress);
    second.key = first.key;

    t.queries.reset();
    const res = await second.get('/plain');
    expect(t.queries.writes).toHaveLength(1);
    expect(sessionCookie(res.headers)?.value).toBe(first.key);
    expect(await rowOf(t, first.key!)).toMatchObject({ ip: '127.0.0.2', userAgent: 'TestUA/2.0' });
    expect((await second.get('/read_session')).body).toEqual({ FOO: 'BAR' });
  });

  // F.1 20 (test_duplicate_create) = F.2 24: two clients presenting the same unknown key
  // ("DUPLICATE") each get their own new key and the supplied one is never adopted; creating a
  // row whose key exists (save(must_create=True)) fails with DuplicateSessionError at the store.
  it('F.1 20: an unknown client key is never adopted and two sessions never share a key', async () => {
    const supplied = unknownKey();
    const one = new Browser(t);
    const two = new Browser(t);
    one.key = supplied;
    two.key = supplied;
    await one.get('/modify_session');
    await two.get('/modify_session');
    expect(one.key).toMatch(KEY_SHAPE);
    expect(two.key).toMatch(KEY_SHAPE);
    expect(one.key).not.toBe(supplied);
    expect(two.key).not.toBe(supplied);
    expect(one.key).not.toBe(two.key);
    expect(await rowOf(t, supplied)).toBeNull();

    const existing = (await rowOf(t, one.key!))!;
    const now = new Date();
    await expect(
      store().create({
        digest: digest(one.key!),
        data: '{"OTHER":true}',
        userId: null,
        ip: '127.0.0.1',
        userAgent: UA,
        expireDate: new Date(now.getTime() + HOUR),
        createdAt: now,
        updatedAt: now,
        reauthenticatedAt: null,
        label: null,
        clientHints: null,
      }),
    ).rejects.toBeInstanceOf(DuplicateSessionError);
    expect((await rowOf(t, one.key!))!.sessionData).toBe(existing.sessionData);
    expect((await one.get('/read_session')).body).toEqual({ FOO: 'BAR' });
  });

  // F.1 20, Django's literal key "DUPLICATE": not shaped like one of our keys, so it costs no
  // lookup at all; the session written gets a fresh key.
  it('F.1 20 (malformed key): a malformed cookie costs no lookup and gets a fresh key', async () => {
    const browser = new Browser(t);
    browser.key = 'DUPLICATE';
    t.queries.reset();
    await browser.get('/modify_session');
    expect(t.queries.reads).toEqual([]);
    expect(t.queries.writes).toHaveLength(1);
    expect(browser.key).toMatch(KEY_SHAPE);
  });

  // F.1 21 (test_delete) = F.2 25: delete on an unsaved session, after create, twice, and by the
  // old key → logout with no session, logout, logout again with the old cookie, revoke and a
  // store delete of the gone key: none fails.
  it('F.1 21: deleting a session that is unsaved or already deleted does not fail', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.post('/logout');

    await browser.post('/login', { userId: user.id });
    const oldKey = browser.key!;
    const out = await browser.post('/logout');
    expect(isCleared(sessionCookie(out.headers))).toBe(true);
    expect(await rowOf(t, oldKey)).toBeNull();

    browser.key = oldKey;
    await browser.post('/logout');
    expect(await t.sessions.revoke(user.id, digest(oldKey))).toBe(false);
    await expect(store().delete([digest(oldKey)])).resolves.toBe(0);
  });

  // F.1 22 (test_clear) = F.2 26: set the user id, clear() then save() → the row stays (under the
  // same key) with user_id NULL. Our clear-then-save route sets one key after clearing, since an
  // empty session is deleted rather than saved (next test).
  it('F.1 22: clearing the data and saving leaves the row without a user', async () => {
    const user = await createUser(t);
    const browser = new Browser(t);
    await browser.post('/set', { userId: user.id, foo: 'x' });
    const key = browser.key!;
    expect((await rowOf(t, key))!.userId).toBe(user.id);

    const res = await browser.post('/conformance/clear-then-save', { theme: 'dark' });
    expect(res.body).toEqual({ stored: true, data: { theme: 'dark' } });
    expect(browser.key).toBe(key);
    const row = await rowOf(t, key);
    expect(row!.userId).toBeNull();
    expect(JSON.parse(row!.sessionData)).toEqual({ theme: 'dark' });
  });

  // F.1 22, our emptied-session rule (C.2 "empty → delete the cookie"): a session emptied
  // completely is deleted and its cookie cleared.
  it('F.1 22 (emptied): a session emptied completely is deleted and its cookie cleared', async () => {
    const browser = new Browser(t);
    await browser.post('/set', { foo: 'x' });
    const key = browser.key!;
    const res = await browser.post('/clear');
    expect(isCleared(sessionCookie(res.headers))).toBe(true);
    expect(await rowOf(t, key)).toBeNull();
  });

  // F.1 23 (test_import): the configured engine's store is the matching class.
  it('F.1 23: the engine option selects the matching store class', () => {
    const selected = storeOf(t);
    if (variant.engine === 'cached_db') {
      expect(selected).toBeInstanceOf(CachedSessionStore);
      expect((selected as CachedSessionStore).database).toBeInstanceOf(TypeOrmSessionStore);
    } else {
      expect(selected).toBeInstanceOf(TypeOrmSessionStore);
    }
  });

  // F.1 24 (test_system_checks): "check passes" → this variant's app booted and serves; an invalid
  // option fails at start-up with QSessionsConfigError saying how to fix it (engine-specific).
  it('F.1 24: valid options boot; invalid ones fail at start-up with a QSessionsConfigError that says the fix', async () => {
    await request(t.url).get('/plain').expect(200);

    const badEngine = await startupError({ userEntity: IntUser, engine: 'redis' as never });
    expect(badEngine).toBeInstanceOf(QSessionsConfigError);
    expect((badEngine as Error).message).toContain("`engine` must be 'db' or 'cached_db', not \"redis\"");

    const misfit =
      variant.engine === 'cached_db'
        ? await startupError({ userEntity: IntUser, engine: 'cached_db', cache: { redisUrl: '127.0.0.1:6379' } })
        : await startupError({ userEntity: IntUser, engine: 'db', cache: { maxEntries: 10 } });
    expect(misfit).toBeInstanceOf(QSessionsConfigError);
    expect((misfit as Error).message).toContain(
      variant.engine === 'cached_db'
        ? '`cache.redisUrl` must be a URL starting with redis://'
        : "`cache` only applies to `engine: 'cached_db'`; remove it or set the engine.",
    );
  });

  // ----- Engine and middleware rules the F.1 cases rest on (B.4, B.12, C.2) ----------------------

  // B.4 cached_db (supports F.1 18): a cache hit costs no DB query; the db engine reads once.
  it('B.4: reading a stored session costs no DB query on a cache hit (cached_db), one SELECT on db', async () => {
    const browser = new Browser(t);
    await browser.get('/modify_session');

    t.queries.reset();
    expect((await browser.get('/read_session')).body).toEqual({ FOO: 'BAR' });
    expect(t.queries.writes).toEqual([]);
    expect(t.queries.reads).toHaveLength(variant.engine === 'cached_db' ? 0 : 1);
  });

  // B.4 cached_db miss (supports F.1 12/13): a row the cache never saw is read from the DB once,
  // then served from the cache.
  it('B.4: a cache miss reads the DB and refills the cache (cached_db)', async () => {
    const key = await insertSession(t, { expireDate: new Date(Date.now() + HOUR), data: { fromDb: true } });
    const browser = new Browser(t);
    browser.key = key;

    t.queries.reset();
    expect((await browser.get('/read_session')).body).toEqual({ fromDb: true });
    expect(t.queries.reads).toHaveLength(1);
    t.queries.reset();
    expect((await browser.get('/read_session')).body).toEqual({ fromDb: true });
    expect(t.queries.reads).toHaveLength(variant.engine === 'cached_db' ? 0 : 1);
  });

  // B.12 "stale/expired/unknown cookie, read" (supports F.1 2/20): a fresh empty session, the
  // cookie deleted, nothing written.
  it('B.12: an expired or unknown cookie gives an empty session and is cleared', async () => {
    const expired = await insertSession(t, { expireDate: new Date(Date.now() - HOUR), data: { old: true } });
    for (const key of [expired, unknownKey()]) {
      const browser = new Browser(t);
      browser.key = key;
      t.queries.reset();
      const res = await browser.get('/read_session');
      expect(res.body).toEqual({});
      expect(isCleared(sessionCookie(res.headers))).toBe(true);
      expect(t.queries.writes).toEqual([]);
    }
  });

  // B.12 / C.2 (supports F.1 20): a malformed cookie is rejected without any lookup and cleared.
  it('C.2: a malformed cookie is cleared without any query', async () => {
    for (const value of ['DUPLICATE', 'short', 'A'.repeat(32), `${unknownKey()}x`]) {
      t.queries.reset();
      const res = await request(t.url)
        .get('/read_session')
        .set('User-Agent', UA)
        .set('Cookie', `sessionid=${value}`)
        .expect(200);
      expect(res.body).toEqual({});
      expect(isCleared(sessionCookie(res.headers))).toBe(true);
      expect(t.queries.queries).toEqual([]);
    }
  });

  // C.2 step 4 "5xx: no save and no cookie" (supports F.1 4): neither a new nor a stored session
  // is written by a request that fails with 500.
  it('C.2: a 5xx response saves nothing', async () => {
    t.queries.reset();
    const fresh = await request(t.url).get('/fail').set('User-Agent', UA);
    expect(fresh.status).toBe(500);
    expect(sessionCookie(fresh.headers)).toBeUndefined();
    expect(t.queries.writes).toEqual([]);

    const browser = new Browser(t);
    await browser.get('/modify_session');
    const before = await rowOf(t, browser.key!);
    t.queries.reset();
    await browser.get('/fail', 500);
    expect(t.queries.writes).toEqual([]);
    expect((await rowOf(t, browser.key!))!.sessionData).toBe(before!.sessionData);
    expect((await browser.get('/read_session')).body).toEqual({ FOO: 'BAR' });
  });

  // ----- F.2 django-user-sessions: client and views --------------------------------------------

  // F.2 7 (test_restore_session): data stored before signing in survives the key rotation.
  it('F.2 7: data set before login survives the login', async () => {
    const user = await createUser(t);
    const browser = new Browser(t, 'Python/2.7');
    await browser.post('/set', { foo: 'bar' });
    const before = browser.key!;

    await browser.post('/login', { userId: user.id });
    expect(browser.key).toMatch(KEY_SHAPE);
    expect(browser.key).not.toBe(before);
    expect((await browser.get('/read_session')).body).toEqual({ foo: 'bar', userId: user.id });
    expect(await rowOf(t, before)).toBeNull();
  });

  // F.2 8 (test_login_logout): the cookie is there after login and gone after logout; a second
  // logout does not fail.
  it('F.2 8: login sets the cookie, logout removes it, a second logout does not fail', async () => {
    const user = await createUser(t);
    const browser = new Browser(t, 'Python/2.7');
    await browser.post('/login', { userId: user.id });
    const key = browser.key!;
    expect(key).toMatch(KEY_SHAPE);

    const out = await browser.post('/logout');
    expect(isCleared(sessionCookie(out.headers))).toBe(true);
    expect(browser.key).toBeUndefined();
    expect(await rowOf(t, key)).toBeNull();
    await browser.post('/logout');
  });

  // F.2 61 (ViewsTest.test_list): session_list → SessionService.list(); the page shows the other
  // session's browser ("Firefox") and never a cookie key (ABC123 → the other session's key).
  it('F.2 61: listing the user’s sessions shows them without exposing any cookie key', async () => {
    const user = await createUser(t, 'bouke');
    const browser = new Browser(t, 'Python/2.7');
    await browser.post('/login', { userId: user.id });
    const other = await insertSession(t, {
      expireDate: new Date(Date.now() + 24 * HOUR),
      data: { userId: user.id },
      userId: user.id,
      userAgent: 'Firefox',
    });

    const res = await browser.get('/conformance/sessions');
    expect(res.body).toHaveLength(2);
    expect(res.body.map((view: { userAgent: string }) => view.userAgent).sort()).toEqual(['Firefox', 'Python/2.7']);
    expect(res.body.map((view: { id: string }) => view.id).sort()).toEqual(
      [digest(browser.key!), digest(other)].sort(),
    );
    expect(res.body.find((view: { current: boolean }) => view.current).id).toBe(digest(browser.key!));
    expect(res.text).not.toContain(browser.key!);
    expect(res.text).not.toContain(other);
  });

  // F.2 62 (test_delete with the current key): POST session_delete → revoke() of the current
  // session's id; "redirect to logout" → the next request with that cookie is anonymous.
  it('F.2 62: revoking the current session signs it out', async () => {
    const user = await createUser(t, 'bouke');
    const browser = new Browser(t, 'Python/2.7');
    await browser.post('/login', { userId: user.id });
    const key = browser.key!;

    expect((await browser.post('/conformance/sessions/revoke', { id: digest(key) })).body).toEqual({ revoked: true });
    expect(await rowOf(t, key)).toBeNull();
    browser.key = key;
    const next = await browser.get('/read_session');
    expect(next.body).toEqual({});
    expect(isCleared(sessionCookie(next.headers))).toBe(true);
  });

  // F.2 63 (test_delete_all_other): 2 sessions → session_delete_other → revokeOthers(): 1 left,
  // the current one, and the other cookie is anonymous.
  it('F.2 63: revoking the other sessions leaves only the current one', async () => {
    const user = await createUser(t, 'bouke');
    const browser = new Browser(t, 'Python/2.7');
    await browser.post('/login', { userId: user.id });
    const elsewhere = new Browser(t, 'Firefox');
    await elsewhere.post('/login', { userId: user.id });
    expect((await browser.get('/conformance/sessions')).body).toHaveLength(2);

    expect((await browser.post('/conformance/sessions/revoke-others')).body).toEqual({ count: 1 });

    const left = (await browser.get('/conformance/sessions')).body;
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ id: digest(browser.key!), current: true });
    expect((await elsewhere.get('/read_session')).body).toEqual({});
  });

  // F.2 64 (test_delete_some_other): 2 sessions → session_delete of OTHER → revoke(): 1 left; the
  // view's owner filter → revoking another user's session id is refused and changes nothing.
  it('F.2 64: revoking one other session leaves the current one; another user’s session cannot be revoked', async () => {
    const user = await createUser(t, 'bouke');
    const stranger = await createUser(t, 'stranger');
    const browser = new Browser(t, 'Python/2.7');
    await browser.post('/login', { userId: user.id });
    const other = await insertSession(t, {
      expireDate: new Date(Date.now() + HOUR),
      data: { userId: user.id },
      userId: user.id,
    });
    const strangers = await insertSession(t, {
      expireDate: new Date(Date.now() + HOUR),
      data: { userId: stranger.id },
      userId: stranger.id,
    });
    expect((await browser.get('/conformance/sessions')).body).toHaveLength(2);

    expect((await browser.post('/conformance/sessions/revoke', { id: digest(other) })).body).toEqual({ revoked: true });
    const left = (await browser.get('/conformance/sessions')).body;
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ id: digest(browser.key!), current: true });
    expect(await rowOf(t, other)).toBeNull();

    expect((await browser.post('/conformance/sessions/revoke', { id: digest(strangers) })).body).toEqual({
      revoked: false,
    });
    expect(await rowOf(t, strangers)).not.toBeNull();
  });
});
