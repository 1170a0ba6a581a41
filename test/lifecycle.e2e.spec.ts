import { createHash } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { generateSessionKey } from '../lib/session/session-key.js';
import { QSession } from '../lib/index.js';
import { sessionCookie, setCookies, type ParsedSetCookie } from './support/http.js';
import { LifecycleController, inFlight, resetInFlight } from './support/lifecycle.controller.js';
import { variants } from './support/matrix.js';
import { PipelineController } from './support/pipeline.controller.js';
import { startTestApp, type TestApp, type TestAppOptions } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';
import { TestClock } from './support/test-clock.js';

const UA = 'LifecycleTest/1.0 (+jest)';
const TWO_WEEKS_MS = 14 * 24 * 60 * 60 * 1000;
/** The default `anonymousLifetime`: what a session without a user lives. */
const ONE_DAY_MS = 24 * 60 * 60 * 1000;
const controllers = [TestController, PipelineController, LifecycleController];

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

interface Call {
  cookie?: string;
  /** A whole Cookie header, when the test needs a malformed one. */
  rawCookie?: string;
  /** User-Agent to send; null sends none. */
  ua?: string | null;
  headers?: Record<string, string>;
}

function call(t: TestApp, method: 'get' | 'post', path: string, options: Call = {}) {
  const req = request(t.url)[method](path);
  const ua = options.ua === undefined ? UA : options.ua;
  if (ua !== null) req.set('User-Agent', ua);
  if (options.cookie !== undefined) req.set('Cookie', `sessionid=${options.cookie}`);
  if (options.rawCookie !== undefined) req.set('Cookie', options.rawCookie);
  for (const [name, value] of Object.entries(options.headers ?? {})) req.set(name, value);
  return req;
}
const get = (t: TestApp, path: string, options?: Call) => call(t, 'get', path, options);
const post = (t: TestApp, path: string, options?: Call) => call(t, 'post', path, options);

const repo = (t: TestApp) => t.dataSource.getRepository(QSession);
const rowOf = (t: TestApp, key: string) => repo(t).findOneBy({ sessionKey: sha256(key) });
const dataOf = (row: QSession | null) => (row ? (JSON.parse(row.sessionData) as Record<string, unknown>) : null);

/** Creates a stored session holding `data`; resolves to its cookie value. */
async function newSession(
  t: TestApp,
  data: Record<string, unknown> = { FOO: 'BAR' },
  options: Call = {},
): Promise<string> {
  const res = await post(t, '/set', options).send(data).expect(200);
  const cookie = sessionCookie(res.headers);
  expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
  return cookie!.value;
}

function expectCleared(cookie: ParsedSetCookie | undefined): void {
  expect(cookie).toBeDefined();
  expect(cookie!.value).toBe('');
  expect(cookie!.attributes['max-age']).toBe('0');
  expect(Date.parse(cookie!.attributes.expires as string)).toBe(0);
  expect(cookie!.attributes.path).toBe('/');
}

function expectVaryCookie(headers: Record<string, unknown>): void {
  expect(String(headers.vary ?? '')).toMatch(/(^|,)\s*cookie\s*(,|$)/i);
}

/** Within a minute of `expected` (DB round trips, second-granular cookie dates). */
function expectAbout(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThan(60_000);
}

/** Starts an app and closes it after the enclosing describe. */
/** What Nest's loggers warned while `work` ran. */
async function warningsDuring(work: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
    warnings.push(String(message));
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return warnings;
}

function useApp(variant: Parameters<typeof startTestApp>[0], options: TestAppOptions = {}): () => TestApp {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await startTestApp(variant, { controllers, ...options });
  });
  afterAll(async () => {
    await t?.close();
  });
  return () => t!;
}

describe.each(variants())('lifecycle $name', (variant) => {
  describe('default options', () => {
    const clock = new TestClock();
    const app = useApp(variant, { clock });

    it('issues a new session cookie with safe attributes and stores only its digest', async () => {
      const t = app();
      const before = Date.now();
      const res = await get(t, '/modify_session').expect(200);
      const cookie = sessionCookie(res.headers);
      expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
      expect(cookie!.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/', 'max-age': '86400' });
      expect(cookie!.attributes.secure).toBeUndefined();
      expect(cookie!.attributes.domain).toBeUndefined();
      expectAbout(Date.parse(cookie!.attributes.expires as string), before + ONE_DAY_MS);
      expectVaryCookie(res.headers);

      const row = await rowOf(t, cookie!.value);
      expect(row).not.toBeNull();
      expect(row!.sessionKey).toBe(sha256(cookie!.value));
      expect(dataOf(row)).toEqual({ FOO: 'BAR' });
      expect(row!.ip).toBe('127.0.0.1');
      expect(row!.userAgent).toBe(UA);
      expect(row!.userId).toBeNull();
      expectAbout(row!.expireDate.getTime(), before + ONE_DAY_MS);
      // The cookie value itself is stored nowhere.
      expect(await repo(t).findOneBy({ sessionKey: cookie!.value })).toBeNull();
    });

    it('does not mark the cookie Secure for X-Forwarded-Proto: https from an untrusted client', async () => {
      const t = app();
      const res = await get(t, '/modify_session', { headers: { 'X-Forwarded-Proto': 'https' } }).expect(200);
      const cookie = sessionCookie(res.headers);
      expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
      expect(cookie!.attributes.secure).toBeUndefined();
    });

    it('reads and writes nothing for a request without cookie that never touches the session', async () => {
      const t = app();
      t.queries.reset();
      const res = await get(t, '/plain').expect(200);
      expect(res.body).toEqual({ ok: true });
      expect(t.queries.queries).toEqual([]);
      expect(setCookies(res.headers)).toEqual([]);
      expect(String(res.headers.vary ?? '')).not.toMatch(/cookie/i);
    });

    it('sends Vary: Cookie when a cookie was sent', async () => {
      const t = app();
      const key = await newSession(t);
      const read = await get(t, '/read_session', { cookie: key }).expect(200);
      expect(setCookies(read.headers)).toEqual([]);
      expectVaryCookie(read.headers);
      const plain = await get(t, '/plain', { cookie: key }).expect(200);
      expectVaryCookie(plain.headers);
    });

    it('neither writes nor re-sends the cookie for an unmodified read', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      const stored = await rowOf(t, key);
      t.queries.reset();
      const res = await get(t, '/read_session', { cookie: key }).expect(200);
      expect(res.body).toEqual({ FOO: 'BAR' });
      expect(sessionCookie(res.headers)).toBeUndefined();
      expect(t.queries.writes).toEqual([]);
      // db: one lookup; cached_db: served from the cache.
      expect(t.queries.reads).toHaveLength(variant.engine === 'db' ? 1 : 0);
      expect((await rowOf(t, key))!.updatedAt.getTime()).toBe(stored!.updatedAt.getTime());
    });

    it('saves nothing and sets no cookie on a 5xx response', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      t.queries.reset();
      const res = await get(t, '/fail', { cookie: key }).expect(500);
      expect(sessionCookie(res.headers)).toBeUndefined();
      expect(t.queries.writes).toEqual([]);
      expect(dataOf(await rowOf(t, key))).toEqual({ FOO: 'BAR' });

      const rows = await repo(t).count();
      t.queries.reset();
      const fresh = await get(t, '/fail').expect(500);
      expect(setCookies(fresh.headers)).toEqual([]);
      expect(t.queries.writes).toEqual([]);
      expect(await repo(t).count()).toBe(rows);
    });

    it('deletes an emptied session and clears its cookie', async () => {
      const t = app();
      const key = await newSession(t, { A: 1, B: 2 });
      const res = await post(t, '/clear', { cookie: key }).expect(200);
      expectCleared(sessionCookie(res.headers));
      expectVaryCookie(res.headers);
      expect(await rowOf(t, key)).toBeNull();
      const after = await get(t, '/read_session', { cookie: key }).expect(200);
      expect(after.body).toEqual({});
      expectCleared(sessionCookie(after.headers));
    });

    it('never adopts an unknown, well-formed key from the client', async () => {
      const t = app();
      const stale = generateSessionKey();
      const read = await get(t, '/read_session', { cookie: stale }).expect(200);
      expect(read.body).toEqual({});
      expectCleared(sessionCookie(read.headers));
      expectVaryCookie(read.headers);

      const write = await post(t, '/set', { cookie: stale }).send({ X: 1 }).expect(200);
      const issued = sessionCookie(write.headers);
      expect(issued?.value).toMatch(/^[a-z0-9]{32}$/);
      expect(issued!.value).not.toBe(stale);
      expect(dataOf(await rowOf(t, issued!.value))).toEqual({ X: 1 });
      expect(await rowOf(t, stale)).toBeNull();
    });

    it('treats an expired session as absent', async () => {
      const t = app();
      const res = await get(t, '/max-age?ms=1000').expect(200);
      const key = sessionCookie(res.headers)!.value;
      expect(sessionCookie(res.headers)!.attributes['max-age']).toBe('1');
      expect(dataOf(await rowOf(t, key))).toMatchObject({ REMEMBER: true });
      clock.advance(1500);
      try {
        const read = await get(t, '/read_session', { cookie: key }).expect(200);
        expect(read.body).toEqual({});
        expectCleared(sessionCookie(read.headers));
        const write = await post(t, '/set', { cookie: key }).send({ AGAIN: 1 }).expect(200);
        expect(sessionCookie(write.headers)!.value).not.toBe(key);
      } finally {
        clock.reset();
      }
    });

    it('answers malformed cookies without any session query and clears them', async () => {
      const t = app();
      const real = await newSession(t, { FOO: 'BAR' });
      const headers = [
        'sessionid=abc',
        `sessionid=${real.slice(0, 31)}`,
        `sessionid=${real}x`,
        `sessionid=${real.toUpperCase()}`,
        `sessionid=${real.slice(0, 31)}-`,
        'sessionid=%00',
        `sessionid=%00${real.slice(1)}`,
        'sessionid=',
      ];
      for (const rawCookie of headers) {
        t.queries.reset();
        const res = await get(t, '/read_session', { rawCookie }).expect(200);
        expect({ rawCookie, body: res.body }).toEqual({ rawCookie, body: {} });
        expect({ rawCookie, queries: t.queries.queries }).toEqual({ rawCookie, queries: [] });
        expectCleared(sessionCookie(res.headers));
        expectVaryCookie(res.headers);
      }
      // The real session is untouched.
      expect(dataOf(await rowOf(t, real))).toEqual({ FOO: 'BAR' });
    });

    it('updates the row when the User-Agent changes, and ignores X-Forwarded-For without trustProxy', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' }, { ua: 'Agent/1' });
      expect((await rowOf(t, key))!.userAgent).toBe('Agent/1');

      t.queries.reset();
      const changed = await get(t, '/read_session', { cookie: key, ua: 'Agent/2' }).expect(200);
      expect(changed.body).toEqual({ FOO: 'BAR' });
      expect(sessionCookie(changed.headers)?.value).toBe(key);
      expect(t.queries.writes).toHaveLength(1);
      const row = await rowOf(t, key);
      expect(row!.userAgent).toBe('Agent/2');
      expect(dataOf(row)).toEqual({ FOO: 'BAR' });

      t.queries.reset();
      const forwarded = await get(t, '/read_session', {
        cookie: key,
        ua: 'Agent/2',
        headers: { 'X-Forwarded-For': '203.0.113.9' },
      }).expect(200);
      expect(sessionCookie(forwarded.headers)).toBeUndefined();
      expect(t.queries.writes).toEqual([]);
      expect((await rowOf(t, key))!.ip).toBe('127.0.0.1');
      const client = await get(t, '/client', { headers: { 'X-Forwarded-For': '203.0.113.9' } }).expect(200);
      expect(client.body).toEqual({ ip: '127.0.0.1', userAgent: UA, clientHints: null });
    });

    it('truncates a long User-Agent to 300 characters and stores a missing one as null', async () => {
      const t = app();
      const long = `Mozilla/5.0 ${'x'.repeat(400)}`;
      const key = await newSession(t, { UA: 'long' }, { ua: long });
      const row = await rowOf(t, key);
      expect(row!.userAgent).toBe(long.slice(0, 300));
      expect(row!.userAgent).toHaveLength(300);
      // The same long header again is no change.
      t.queries.reset();
      const again = await get(t, '/read_session', { cookie: key, ua: long }).expect(200);
      expect(sessionCookie(again.headers)).toBeUndefined();
      expect(t.queries.writes).toEqual([]);

      const anonymous = await newSession(t, { UA: 'none' }, { ua: null });
      expect((await rowOf(t, anonymous))!.userAgent).toBeNull();
      const client = await get(t, '/client', { ua: null }).expect(200);
      expect(client.body).toEqual({ ip: '127.0.0.1', userAgent: null, clientHints: null });
    });

    it('regenerate() moves to a new key, deletes the old row and saves the new data', async () => {
      const t = app();
      const old = await newSession(t, { FOO: 'BAR' });
      const res = await post(t, '/regenerate', { cookie: old }).send({ NEW: 1 }).expect(200);
      const issued = sessionCookie(res.headers);
      expect(issued?.value).toMatch(/^[a-z0-9]{32}$/);
      expect(issued!.value).not.toBe(old);
      expect(await rowOf(t, old)).toBeNull();
      expect(dataOf(await rowOf(t, issued!.value))).toEqual({ NEW: 1 });
      expect((await get(t, '/read_session', { cookie: old }).expect(200)).body).toEqual({});
      expect((await get(t, '/read_session', { cookie: issued!.value }).expect(200)).body).toEqual({ NEW: 1 });
    });

    it('destroy() deletes the row, clears the cookie and removes req.session', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      const res = await post(t, '/destroy', { cookie: key }).expect(200);
      expectCleared(sessionCookie(res.headers));
      expect(await rowOf(t, key)).toBeNull();

      const other = await newSession(t, { FOO: 'BAZ' });
      const check = await post(t, '/lifecycle/destroy-check', { cookie: other }).expect(200);
      expect(check.body).toEqual({ sessionGone: true, rawSessionGone: true });
      expectCleared(sessionCookie(check.headers));
      expect(await rowOf(t, other)).toBeNull();
    });

    it('save() stores the session before the handler returns, with a single write', async () => {
      const t = app();
      t.queries.reset();
      const res = await post(t, '/lifecycle/save-then-check').send({ SAVED: 1 }).expect(200);
      expect(res.body).toEqual({ stored: true, rowData: { SAVED: 1 } });
      expect(t.queries.writes).toHaveLength(1);
      const key = sessionCookie(res.headers)!.value;
      expect(dataOf(await rowOf(t, key))).toEqual({ SAVED: 1 });

      t.queries.reset();
      const again = await post(t, '/save-now', { cookie: key }).send({ MORE: 2 }).expect(200);
      expect(again.body).toEqual({ stored: true });
      expect(t.queries.writes).toHaveLength(1);
      expect(dataOf(await rowOf(t, key))).toEqual({ SAVED: 1, MORE: 2 });
    });

    it('reload() drops unsaved changes', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      t.queries.reset();
      const res = await post(t, '/reload', { cookie: key }).expect(200);
      expect(res.body).toEqual({ unsaved: null });
      expect(sessionCookie(res.headers)).toBeUndefined();
      expect(t.queries.writes).toEqual([]);
      expect(dataOf(await rowOf(t, key))).toEqual({ FOO: 'BAR' });

      // The handler's own reference is refreshed in place: later writes to it are saved.
      const then = await post(t, '/lifecycle/reload-then-set', { cookie: key }).expect(200);
      expect(then.body).toEqual({ unsaved: null, same: true, data: { FOO: 'BAR', AFTER_RELOAD: 1 } });
      expect(sessionCookie(then.headers)?.value).toBe(key);
      expect(dataOf(await rowOf(t, key))).toEqual({ FOO: 'BAR', AFTER_RELOAD: 1 });
    });

    it('touch() writes the session and re-sends its cookie with a renewed lifetime', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      await repo(t).update({ sessionKey: sha256(key) }, { expireDate: new Date(Date.now() + 3_600_000) });
      t.queries.reset();
      const before = Date.now();
      const res = await get(t, '/touch', { cookie: key }).expect(200);
      const cookie = sessionCookie(res.headers);
      expect(cookie?.value).toBe(key);
      expect(cookie!.attributes['max-age']).toBe('86400');
      expect(t.queries.writes).toHaveLength(1);
      const row = await rowOf(t, key);
      expectAbout(row!.expireDate.getTime(), before + ONE_DAY_MS);
      expect(dataOf(row)).toEqual({ FOO: 'BAR' });
    });

    it('keeps a per-session cookie.maxAge across later saves', async () => {
      const t = app();
      const before = Date.now();
      const res = await get(t, '/max-age?ms=3600000').expect(200);
      expect(res.body).toEqual({ maxAge: 3_600_000 });
      const cookie = sessionCookie(res.headers);
      expect(cookie!.attributes['max-age']).toBe('3600');
      expectAbout(Date.parse(cookie!.attributes.expires as string), before + 3_600_000);
      const key = cookie!.value;
      expectAbout((await rowOf(t, key))!.expireDate.getTime(), before + 3_600_000);

      const later = await post(t, '/set', { cookie: key }).send({ LATER: 1 }).expect(200);
      expect(later.body).toEqual({ REMEMBER: true, LATER: 1 });
      const again = sessionCookie(later.headers);
      expect(again?.value).toBe(key);
      expect(again!.attributes['max-age']).toBe('3600');
      const row = await rowOf(t, key);
      expectAbout(row!.expireDate.getTime(), Date.now() + 3_600_000);
      expect(dataOf(row)).toMatchObject({ REMEMBER: true, LATER: 1 });
      // The lifetime is kept out of the session data the app sees.
      expect((await get(t, '/read_session', { cookie: key }).expect(200)).body).toEqual({ REMEMBER: true, LATER: 1 });
    });

    it("gives Nest's @Session() the same object as @CurrentSession()", async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      const res = await get(t, '/nest-session', { cookie: key }).expect(200);
      expect(res.body).toEqual({ same: true, data: { FOO: 'BAR' } });
    });

    it('@ClientInfo() gives the normalised socket address and the User-Agent', async () => {
      const t = app();
      const res = await get(t, '/client', { ua: 'Probe/7' }).expect(200);
      expect(res.body).toEqual({ ip: '127.0.0.1', userAgent: 'Probe/7', clientHints: null });
    });

    it('shows the session to guards and interceptors, and saves what a guard writes', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      const res = await get(t, '/pipeline/guarded', { cookie: key }).expect(200);
      const stage = { present: true, foo: 'BAR', sameAsRaw: true };
      expect(res.body).toEqual({
        handlerFoo: 'BAR',
        guardRan: true,
        seen: { guard: stage, interceptorBefore: stage, interceptorAfter: stage },
      });
      expect(sessionCookie(res.headers)?.value).toBe(key);
      expect(dataOf(await rowOf(t, key))).toEqual({ FOO: 'BAR', GUARD_RAN: true });
    });

    it('shows the session to exception filters, and saves what a filter writes', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      const res = await get(t, '/pipeline/filtered', { cookie: key }).expect(409);
      const stage = { present: true, foo: 'BAR', sameAsRaw: true };
      expect(res.body).toEqual({ seen: { guard: stage, filter: stage } });
      expect(sessionCookie(res.headers)?.value).toBe(key);
      expect(dataOf(await rowOf(t, key))).toEqual({ FOO: 'BAR', GUARD_RAN: true, FILTER_RAN: true });
    });

    it('stores a modified session before the client sees any of the response', async () => {
      const t = app();
      for (let i = 0; i < 5; i++) {
        // The response headers alone carry the new key: the row must already be there.
        const { status, key, row } = await new Promise<{ status?: number; key?: string; row: QSession | null }>(
          (resolve, reject) => {
            const req = http.request(
              `${t.url}/set`,
              { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA } },
              (res) => {
                const key = sessionCookie(res.headers as Record<string, unknown>)?.value;
                (key ? rowOf(t, key) : Promise.resolve(null)).then((row) => {
                  res.resume();
                  res.on('end', () => resolve({ status: res.statusCode, key, row }));
                }, reject);
              },
            );
            req.on('error', reject);
            req.end(JSON.stringify({ EARLY: i }));
          },
        );
        expect(status).toBe(200);
        expect(key).toMatch(/^[a-z0-9]{32}$/);
        expect(dataOf(row)).toEqual({ EARLY: i });

        // Another client using the cookie right away sees the change.
        await post(t, '/set', { cookie: key }).send({ NEXT: i }).expect(200);
        const read = await request(t.url)
          .get('/read_session')
          .set('User-Agent', 'Other/1')
          .set('Cookie', `sessionid=${key}`)
          .expect(200);
        expect(read.body).toEqual({ EARLY: i, NEXT: i });
      }
    });

    // A server database lets the test hold the session row locked, so the save is slow for as
    // long as the test wants: no byte of the response may arrive before it completes. (SQLite has
    // a single in-process connection that cannot be held from outside the app.)
    if (variant.database !== 'sqlite') {
      it('holds the whole response until a slow save completes', async () => {
        const t = app();
        const key = await newSession(t, { FOO: 'BAR' });
        const runner = t.dataSource.createQueryRunner();
        await runner.connect();
        let released = false;
        try {
          await runner.startTransaction();
          const placeholder = variant.database === 'postgres' ? '$1' : '?';
          await runner.query(
            `SELECT session_key FROM qsessions_session WHERE session_key = ${placeholder} FOR UPDATE`,
            [sha256(key)],
          );
          let headersAt: number | null = null;
          const pending = new Promise<{ status?: number; body: string }>((resolve, reject) => {
            const req = http.request(
              `${t.url}/set`,
              {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'user-agent': UA, cookie: `sessionid=${key}` },
              },
              (res) => {
                headersAt = Date.now();
                let body = '';
                res.setEncoding('utf8');
                res.on('data', (chunk: string) => (body += chunk));
                res.on('end', () => resolve({ status: res.statusCode, body }));
              },
            );
            req.on('error', reject);
            req.end(JSON.stringify({ LOCKED: 1 }));
          });
          await sleep(400);
          // The handler has long returned; its response waits for the blocked UPDATE.
          expect(headersAt).toBeNull();
          const releasedAt = Date.now();
          await runner.commitTransaction();
          released = true;
          const res = await pending;
          expect(res.status).toBe(200);
          expect(JSON.parse(res.body)).toEqual({ FOO: 'BAR', LOCKED: 1 });
          expect(headersAt).not.toBeNull();
          expect(headersAt!).toBeGreaterThanOrEqual(releasedAt);
          expect(dataOf(await rowOf(t, key))).toEqual({ FOO: 'BAR', LOCKED: 1 });
        } finally {
          if (!released && runner.isTransactionActive) await runner.rollbackTransaction();
          await runner.release();
        }
      });
    }

    it("keeps the app's own Set-Cookie next to the session cookie", async () => {
      const t = app();
      const fresh = await get(t, '/lifecycle/app-cookie').expect(200);
      const cookies = setCookies(fresh.headers);
      expect(cookies.map((cookie) => cookie.name).sort()).toEqual(['app', 'sessionid']);
      expect(cookies.find((cookie) => cookie.name === 'app')!.value).toBe('hello');
      const key = sessionCookie(fresh.headers)!.value;
      expect(dataOf(await rowOf(t, key))).toEqual({ WITH_APP_COOKIE: true });

      const existing = await newSession(t, { FOO: 'BAR' });
      const res = await get(t, '/lifecycle/app-cookie', { cookie: existing }).expect(200);
      const both = setCookies(res.headers);
      expect(both.map((cookie) => cookie.name).sort()).toEqual(['app', 'sessionid']);
      expect(sessionCookie(res.headers)!.value).toBe(existing);
      expect(dataOf(await rowOf(t, existing))).toEqual({ FOO: 'BAR', WITH_APP_COOKIE: true });
    });

    it('answers 400 and never recreates a session revoked while a request that modifies it runs', async () => {
      const t = app();
      const user = await t.dataSource.getRepository(IntUser).save({ username: `inflight-${variant.name}` });
      const login = await post(t, '/login').send({ userId: user.id }).expect(200);
      const key = sessionCookie(login.headers)!.value;
      expect((await rowOf(t, key))!.userId).toBe(user.id);

      resetInFlight();
      const pending = post(t, '/lifecycle/slow-set', { cookie: key })
        .send({ LATE: true })
        .then((res) => res);
      await inFlight.entered.promise;
      expect(await t.sessions.revokeAll(user.id)).toBe(1);
      inFlight.release.resolve();
      const res = await pending;
      expect(res.status).toBe(400);
      expectCleared(sessionCookie(res.headers));
      expect(await rowOf(t, key)).toBeNull();
      expect(await repo(t).countBy({ userId: user.id })).toBe(0);
      // The revoked key stays dead.
      const next = await get(t, '/read_session', { cookie: key }).expect(200);
      expect(next.body).toEqual({});
      expect(await rowOf(t, key)).toBeNull();
    });

    it('lets a read-only request of a session revoked in flight finish without writing it back', async () => {
      const t = app();
      const user = await t.dataSource.getRepository(IntUser).save({ username: `inflight-read-${variant.name}` });
      const login = await post(t, '/login').send({ userId: user.id }).expect(200);
      const key = sessionCookie(login.headers)!.value;

      resetInFlight();
      const pending = get(t, '/lifecycle/slow-read', { cookie: key }).then((res) => res);
      await inFlight.entered.promise;
      expect(await t.sessions.revokeAll(user.id)).toBe(1);
      inFlight.release.resolve();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ userId: user.id });
      expect(await rowOf(t, key)).toBeNull();
      expect(await repo(t).countBy({ userId: user.id })).toBe(0);
    });
  });

  describe('cookie.expireAtBrowserClose', () => {
    const app = useApp(variant, { qsessions: { cookie: { expireAtBrowserClose: true } } });

    it('sends a browser-session cookie while the row still expires after maxAge', async () => {
      const t = app();
      const before = Date.now();
      const res = await get(t, '/modify_session').expect(200);
      const cookie = sessionCookie(res.headers);
      expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
      expect(cookie!.attributes['max-age']).toBeUndefined();
      expect(cookie!.attributes.expires).toBeUndefined();
      expect(cookie!.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
      expectAbout((await rowOf(t, cookie!.value))!.expireDate.getTime(), before + ONE_DAY_MS);
    });
  });

  describe('trustProxy: true', () => {
    const app = useApp(variant, { qsessions: { trustProxy: true } });

    it('marks the cookie Secure when a trusted proxy says X-Forwarded-Proto: https', async () => {
      const t = app();
      let secure!: Awaited<ReturnType<typeof get>>;
      const warnings = await warningsDuring(async () => {
        secure = await get(t, '/modify_session', { headers: { 'X-Forwarded-Proto': 'https' } }).expect(200);
      });
      expect(warnings).toEqual([]);
      expect(sessionCookie(secure.headers)!.attributes.secure).toBe(true);
      const plain = await get(t, '/modify_session').expect(200);
      expect(sessionCookie(plain.headers)!.attributes.secure).toBeUndefined();
    });

    it('stores the farthest X-Forwarded-For address when every hop is trusted', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' }, { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.5' } });
      expect((await rowOf(t, key))!.ip).toBe('198.51.100.1');
    });
  });

  describe("trustProxy: 'loopback'", () => {
    const app = useApp(variant, { qsessions: { trustProxy: 'loopback' } });

    it('stores the forwarded client address and updates the row when it changes', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' }, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      expect((await rowOf(t, key))!.ip).toBe('203.0.113.9');

      t.queries.reset();
      const same = await get(t, '/read_session', { cookie: key, headers: { 'X-Forwarded-For': '203.0.113.9' } }).expect(
        200,
      );
      expect(sessionCookie(same.headers)).toBeUndefined();
      expect(t.queries.writes).toEqual([]);

      t.queries.reset();
      const moved = await get(t, '/read_session', {
        cookie: key,
        headers: { 'X-Forwarded-For': '198.51.100.7' },
      }).expect(200);
      expect(moved.body).toEqual({ FOO: 'BAR' });
      expect(sessionCookie(moved.headers)?.value).toBe(key);
      expect(t.queries.writes).toHaveLength(1);
      const row = await rowOf(t, key);
      expect(row!.ip).toBe('198.51.100.7');
      expect(dataOf(row)).toEqual({ FOO: 'BAR' });

      // The nearest untrusted hop is the client; the socket address when nothing is forwarded.
      const chain = await get(t, '/client', { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.5' } }).expect(
        200,
      );
      expect(chain.body).toEqual({ ip: '203.0.113.5', userAgent: UA, clientHints: null });
      const direct = await get(t, '/client').expect(200);
      expect(direct.body).toEqual({ ip: '127.0.0.1', userAgent: UA, clientHints: null });
    });

    it('marks the cookie Secure for X-Forwarded-Proto: https from the loopback proxy', async () => {
      const t = app();
      const res = await get(t, '/modify_session', { headers: { 'X-Forwarded-Proto': 'https' } }).expect(200);
      expect(sessionCookie(res.headers)!.attributes.secure).toBe(true);
    });
  });

  describe("trustProxy: '10.0.0.0/8' (the loopback peer is not trusted)", () => {
    const app = useApp(variant, { qsessions: { trustProxy: '10.0.0.0/8' } });

    it('ignores X-Forwarded-Proto and X-Forwarded-For from a peer outside the trusted subnet', async () => {
      const t = app();
      const res = await get(t, '/modify_session', {
        headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9' },
      }).expect(200);
      const cookie = sessionCookie(res.headers);
      expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
      expect(cookie!.attributes.secure).toBeUndefined();
      expect((await rowOf(t, cookie!.value))!.ip).toBe('127.0.0.1');
    });
  });

  describe('X-Forwarded-Proto: https from a peer that trustProxy does not trust', () => {
    const app = useApp(variant);

    it('counts as plain HTTP, and warns once that trustProxy is probably missing', async () => {
      const t = app();
      const warnings = await warningsDuring(async () => {
        for (let i = 0; i < 3; i++) {
          const res = await get(t, '/modify_session', { headers: { 'X-Forwarded-Proto': 'https' } }).expect(200);
          expect(sessionCookie(res.headers)!.attributes.secure).toBeUndefined();
        }
      });
      expect(warnings.filter((warning) => warning.includes('X-Forwarded-Proto'))).toEqual([
        expect.stringMatching(
          /from 127\.0\.0\.1, which `trustProxy` does not trust.*set `trustProxy`.*\(Said once\.\)$/s,
        ),
      ]);
    });
  });

  describe('sessions without a user (anonymousLifetime, default one day)', () => {
    const app = useApp(variant);

    it('live one day, and take the two-week lifetime at sign-in', async () => {
      const t = app();
      const before = Date.now();
      const key = await newSession(t, { cart: ['book'] });
      expectAbout((await rowOf(t, key))!.expireDate.getTime(), before + ONE_DAY_MS);
      const user = await t.dataSource.getRepository(IntUser).save({ username: `anon-${Date.now()}` });
      const login = await post(t, '/login', { cookie: key }).send({ userId: user.id }).expect(200);
      const signedIn = sessionCookie(login.headers)!;
      expect(signedIn.attributes['max-age']).toBe('1209600');
      const row = await rowOf(t, signedIn.value);
      expectAbout(row!.expireDate.getTime(), before + TWO_WEEKS_MS);
      expect(row!.userId).toBe(user.id);
    });
  });

  describe('anonymousLifetime: null', () => {
    const app = useApp(variant, { qsessions: { anonymousLifetime: null } });

    it('gives sessions without a user cookie.maxAge, as django-qsessions does', async () => {
      const t = app();
      const before = Date.now();
      const res = await get(t, '/modify_session').expect(200);
      expect(sessionCookie(res.headers)!.attributes['max-age']).toBe('1209600');
      expectAbout((await rowOf(t, sessionCookie(res.headers)!.value))!.expireDate.getTime(), before + TWO_WEEKS_MS);
    });
  });

  describe('storeAnonymous: false', () => {
    const app = useApp(variant, { qsessions: { storeAnonymous: false } });

    it("keeps a visitor's data for the request only: no row, no cookie, until sign-in", async () => {
      const t = app();
      t.queries.reset();
      for (const path of ['/modify_session', '/lifecycle/save-then-check']) {
        const res = await (path === '/modify_session' ? get(t, path) : post(t, path).send({ SAVED: 1 })).expect(200);
        expect(sessionCookie(res.headers)).toBeUndefined();
      }
      expect(t.queries.writes).toEqual([]);
      const user = await t.dataSource.getRepository(IntUser).save({ username: `visitor-${Date.now()}` });
      const login = await post(t, '/login').send({ userId: user.id }).expect(200);
      const key = sessionCookie(login.headers)!.value;
      expect((await rowOf(t, key))!.userId).toBe(user.id);
      await get(t, '/read_session', { cookie: key }).expect(200, { userId: user.id });
    });

    it('deletes a stored session that loses its user, and clears its cookie', async () => {
      const t = app();
      const user = await t.dataSource.getRepository(IntUser).save({ username: `dropped-${Date.now()}` });
      const key = sessionCookie((await post(t, '/login').send({ userId: user.id }).expect(200)).headers)!.value;
      // Still holding data, but no user any more.
      const res = await post(t, '/set', { cookie: key })
        .send({ userId: null, cart: ['book'] })
        .expect(200);
      expect(sessionCookie(res.headers)?.attributes['max-age']).toBe('0');
      expect(await rowOf(t, key)).toBeNull();
    });
  });

  describe('cookie: { secure: true }', () => {
    const app = useApp(variant, { qsessions: { cookie: { secure: true } } });

    it('names the cookie __Host-sessionid, which a sibling subdomain or plain HTTP cannot set', async () => {
      const t = app();
      const res = await get(t, '/modify_session').expect(200);
      const cookie = sessionCookie(res.headers, '__Host-sessionid');
      expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
      expect(cookie!.attributes).toMatchObject({ secure: true, path: '/' });
      expect(cookie!.attributes.domain).toBeUndefined();
      expect(sessionCookie(res.headers)).toBeUndefined();
      await get(t, '/read_session', { rawCookie: `__Host-sessionid=${cookie!.value}` }).expect(200, { FOO: 'BAR' });
      await get(t, '/read_session', { cookie: cookie!.value }).expect(200, {});
    });
  });

  describe('saveEveryRequest: true', () => {
    const app = useApp(variant, { qsessions: { saveEveryRequest: true } });

    it('writes the session and re-sends its cookie on every request', async () => {
      const t = app();
      const key = await newSession(t, { FOO: 'BAR' });
      for (let i = 0; i < 3; i++) {
        t.queries.reset();
        const res = await get(t, '/read_session', { cookie: key }).expect(200);
        expect(res.body).toEqual({ FOO: 'BAR' });
        const cookie = sessionCookie(res.headers);
        expect(cookie?.value).toBe(key);
        expect(cookie!.attributes['max-age']).toBe('86400');
        expect(t.queries.writes).toHaveLength(1);
      }
      expect(dataOf(await rowOf(t, key))).toEqual({ FOO: 'BAR' });
    });
  });

  describe('maxDataBytes', () => {
    const app = useApp(variant, { qsessions: { maxDataBytes: 200 } });

    it('answers 500 and saves nothing when the session data is too large', async () => {
      const t = app();
      const rows = await repo(t).count();
      t.queries.reset();
      const fresh = await post(t, '/set')
        .send({ BIG: 'x'.repeat(500) })
        .expect(500);
      expect(setCookies(fresh.headers)).toEqual([]);
      expect(fresh.body).toMatchObject({ statusCode: 500 });
      expect(t.queries.writes).toEqual([]);
      expect(await repo(t).count()).toBe(rows);

      const key = await newSession(t, { SMALL: 1 });
      t.queries.reset();
      const grown = await post(t, '/set', { cookie: key })
        .send({ BIG: 'x'.repeat(500) })
        .expect(500);
      expect(sessionCookie(grown.headers)).toBeUndefined();
      expect(t.queries.writes).toEqual([]);
      expect(dataOf(await rowOf(t, key))).toEqual({ SMALL: 1 });
      expect((await get(t, '/read_session', { cookie: key }).expect(200)).body).toEqual({ SMALL: 1 });
    });
  });
});
