import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import {
  QSession,
  QSessionHistoryEntry,
  QSessionRevokeLink,
  type SessionEvent,
  type SessionHistoryEntry,
} from '../lib/index.js';
import { HistoryController } from './support/history.controller.js';
import { databaseVariants, variants } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { MySessionsController } from './support/sessions.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestClock } from './support/test-clock.js';
import { IntUser } from './support/users.js';

// The sign-in history (`history` option), end to end on every variant: what each way a session
// ends writes, what a sign-in finds new, paging, pruning, why a cookie's session ended, revoke
// links, and the export and erasure of a user's data.

const FIXTURES = fileURLToPath(new URL('./fixtures/geoip/', import.meta.url));
const SWEDEN = '89.160.20.112'; // Linköping, Sweden in MaxMind's test data
const CHINA = '175.16.199.37'; // Changchun, China
const DAY = 24 * 60 * 60 * 1000;
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A browser of one user at one address. */
class Device extends SessionClient {
  constructor(
    t: TestApp,
    userAgent: string,
    readonly from: string,
  ) {
    super(t, userAgent);
  }
  override send(method: 'get' | 'post' | 'delete' | 'patch', path: string, body?: object) {
    return super.send(method, path, body, { 'X-Forwarded-For': this.from });
  }
}

describe.each(variants())('sign-in history on $name', (variant) => {
  const clock = new TestClock();
  let t: TestApp;
  const events: SessionEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp(variant, {
      controllers: [MySessionsController, HistoryController],
      clock,
      qsessions: {
        history: { retainDays: 30 },
        maxSessionsPerUser: 3,
        trustProxy: 'loopback',
        geoip: { cityPath: `${FIXTURES}GeoLite2-City-Test.mmdb`, countryPath: `${FIXTURES}GeoLite2-Country-Test.mmdb` },
      },
    });
    t.sessions.events.subscribe((event) => events.push(event));
  });
  afterAll(() => t?.close());
  afterEach(() => clock.reset());

  async function newUser(): Promise<number> {
    return (await t.dataSource.getRepository(IntUser).save({ username: `h${Math.random()}` })).id;
  }

  async function entriesOf(userId: number): Promise<SessionHistoryEntry[]> {
    return (await t.sessions.history(userId, { limit: 100 })).entries;
  }

  /** [event, reason] of each entry, newest first. */
  async function timeline(userId: number): Promise<Array<[string, string | null]>> {
    return (await entriesOf(userId)).map((entry) => [entry.event, entry.reason]);
  }

  it('records a sign-in with its address, device and location; the first one is new in nothing', async () => {
    const userId = await newUser();
    const laptop = new Device(t, FIREFOX_LINUX, SWEDEN);
    events.length = 0;
    await laptop.login(userId);
    const [entry] = await entriesOf(userId);
    const [session] = await t.sessions.list(userId);
    expect(entry).toMatchObject({
      userId,
      sessionId: session!.id,
      event: 'signed-in',
      reason: null,
      ip: SWEDEN,
      userAgent: FIREFOX_LINUX,
      device: 'Firefox on Linux',
      location: 'Linköping, Sweden',
      newDevice: false,
      newLocation: false,
    });
    expect(events.find((event) => event.type === 'signed-in')).toMatchObject({
      id: session!.id,
      userId,
      newDevice: false,
      newLocation: false,
      device: 'Firefox on Linux',
      location: 'Linköping, Sweden',
    });
  });

  it('tells a new device and a new place from the sign-ins of the window, and only those', async () => {
    const userId = await newUser();
    await new Device(t, FIREFOX_LINUX, SWEDEN).login(userId);
    await new Device(t, FIREFOX_LINUX, SWEDEN).login(userId); // same device, same place
    await new Device(t, SAFARI_IPHONE, SWEDEN).login(userId); // a phone, same place
    await new Device(t, FIREFOX_LINUX, CHINA).login(userId); // known device, another country
    const signIns = (await entriesOf(userId)).filter((entry) => entry.event === 'signed-in').reverse();
    expect(signIns.map((entry) => [entry.device, entry.newDevice, entry.newLocation])).toEqual([
      ['Firefox on Linux', false, false],
      ['Firefox on Linux', false, false],
      ['Safari on iPhone', true, false],
      ['Firefox on Linux', false, true],
    ]);

    // Past the window, nothing is left to compare with: new in nothing again.
    clock.advance(31 * DAY);
    events.length = 0;
    await new Device(t, CHROME_WINDOWS, CHINA).login(userId);
    expect(events.find((event) => event.type === 'signed-in')).toMatchObject({ newDevice: false, newLocation: false });
  });

  it('records each way a session ends, with its reason and, when given, who ended it', async () => {
    const userId = await newUser();
    const [a, b, c] = [FIREFOX_LINUX, SAFARI_IPHONE, CHROME_WINDOWS].map((ua) => new Device(t, ua, SWEDEN));
    for (const device of [a!, b!, c!]) await device.login(userId);
    const ids = Object.fromEntries((await t.sessions.list(userId)).map((view) => [view.userAgent, view.id]));

    expect((await a!.send('post', '/history/logout')).status).toBe(200);
    expect(await t.sessions.revoke(userId, ids[SAFARI_IPHONE]!, { reason: 'user-request' })).toBe(true);
    expect(await t.sessions.revokeById(ids[CHROME_WINDOWS]!, { reason: 'admin', actor: 42 })).toBe(true);

    const [admin, user, logout] = await entriesOf(userId);
    expect([admin, user, logout].map((entry) => [entry!.event, entry!.reason, entry!.actor, entry!.device])).toEqual([
      ['revoked', 'admin', '42', 'Chrome on Windows'],
      ['revoked', 'user-request', null, 'Safari on iPhone'],
      ['signed-out', 'logout', null, 'Firefox on Linux'],
    ]);
    expect(admin!.sessionId).toBe(ids[CHROME_WINDOWS]);
  });

  it('records evictions by the session cap, revoke-others and revoke-all', async () => {
    const userId = await newUser();
    const devices = Array.from({ length: 4 }, (_, index) => new Device(t, `Tester/${index}`, SWEDEN));
    for (const device of devices) await device.login(userId); // the fourth evicts the first
    expect((await timeline(userId))[0]).toEqual(['signed-in', null]);
    expect((await timeline(userId))[1]).toEqual(['evicted', 'limit']);

    const ended = await devices[3]!.send('post', '/me/sessions/revoke-others', { reason: 'password-changed' });
    expect(ended.body).toEqual({ ended: 2 });
    expect((await timeline(userId)).slice(0, 2)).toEqual([
      ['revoked', 'password-changed'],
      ['revoked', 'password-changed'],
    ]);
    expect(await t.sessions.revokeAll(userId)).toBe(1);
    expect((await timeline(userId))[0]).toEqual(['revoked', 'revoke-all']);
  });

  it('records expiry in clearExpired(), and prunes entries older than retainDays', async () => {
    const userId = await newUser();
    await new Device(t, FIREFOX_LINUX, SWEDEN).login(userId);
    clock.advance(15 * DAY); // past the 14-day session, within the 30-day history
    await t.sessions.clearExpired();
    expect(await timeline(userId)).toEqual([
      ['expired', 'expired'],
      ['signed-in', null],
    ]);
    clock.advance(20 * DAY); // the sign-in is 35 days old, the expiry 20
    await t.sessions.clearExpired();
    expect(await timeline(userId)).toEqual([['expired', 'expired']]);
  });

  it('pages newest first with an opaque cursor: no entry twice, none skipped, ties on the same millisecond kept apart', async () => {
    const userId = await newUser();
    const at = new Date(clock.now());
    const rows = Array.from({ length: 45 }, (_, index) => ({
      userId,
      sessionId: index.toString(16).padStart(64, '0'),
      event: 'signed-in',
      // Groups of three on the same millisecond.
      at: new Date(at.getTime() - Math.floor(index / 3) * 1000),
      device: 'Unknown device',
      deviceKey: '-|-|-',
    }));
    await t.dataSource.getRepository(QSessionHistoryEntry).insert(rows);
    const seen: string[] = [];
    let page = await t.sessions.history(userId, { limit: 20 });
    const sizes = [page.entries.length];
    seen.push(...page.entries.map((entry) => entry.sessionId));
    while (page.next) {
      page = await t.sessions.history(userId, { limit: 20, before: page.next });
      sizes.push(page.entries.length);
      seen.push(...page.entries.map((entry) => entry.sessionId));
    }
    expect(sizes).toEqual([20, 20, 5]);
    expect(new Set(seen).size).toBe(45);
    const times = seen.map((id) => rows.find((row) => row.sessionId === id)!.at.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it('answers 400 for a cursor it did not give and a page size out of range', async () => {
    const userId = await newUser();
    const browser = new Device(t, FIREFOX_LINUX, SWEDEN);
    await browser.login(userId);
    expect((await browser.send('get', '/history?before=bm90LWEtY3Vyc29y')).status).toBe(400);
    expect((await browser.send('get', '/history?before=' + 'x'.repeat(500))).status).toBe(400);
    expect((await browser.send('get', '/history?limit=0')).status).toBe(400);
    expect((await browser.send('get', '/history?limit=101')).status).toBe(400);
    expect((await browser.send('get', '/history?limit=1')).body.entries).toHaveLength(1);
  });

  it("tells the next request with an ended session's cookie why it ended, and only for a key-shaped cookie", async () => {
    const userId = await newUser();
    const phone = new Device(t, SAFARI_IPHONE, SWEDEN);
    await phone.login(userId);
    const key = phone.key!;
    const [session] = await t.sessions.list(userId);
    await t.sessions.revoke(userId, session!.id, { reason: 'password-changed' });
    const answer = await request(t.url).get('/history/ended').set('Cookie', `sessionid=${key}`);
    expect(answer.body).toMatchObject({ ended: { reason: 'password-changed' }, userId: null });
    expect(Math.abs(new Date(answer.body.ended.at).getTime() - clock.now())).toBeLessThan(60_000);
    // The same answer for guards and filters, through the service.
    expect(answer.body.fromService).toEqual(answer.body.ended);

    t.queries.reset();
    const junk = await request(t.url).get('/history/ended').set('Cookie', 'sessionid=not-a-key');
    expect(junk.body).toEqual({ ended: null, fromService: null, userId: null });
    expect(t.queries.history).toEqual([]);
  });

  it('ends a session by a single-use link that needs no sign-in, and refuses a used, altered, expired or unknown one', async () => {
    const userId = await newUser();
    const [laptop, phone] = [new Device(t, FIREFOX_LINUX, SWEDEN), new Device(t, SAFARI_IPHONE, CHINA)];
    await laptop.login(userId);
    await phone.login(userId);
    const phoneId = (await t.sessions.list(userId)).find((view) => view.userAgent === SAFARI_IPHONE)!.id;
    const token = await t.sessions.createRevokeLink(userId, phoneId);
    const stored = await t.dataSource.getRepository(QSessionRevokeLink).findOneByOrFail({ sessionId: phoneId });
    expect(stored.tokenDigest).not.toContain(token);

    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await t.sessions.revokeByToken(altered)).toBe(false);
    expect(await t.sessions.revokeByToken('short')).toBe(false);
    expect(await t.sessions.revokeByToken(token)).toBe(true);
    expect(await phone.whoami()).toBeNull();
    expect(await laptop.whoami()).toBe(userId);
    expect(await t.sessions.revokeByToken(token)).toBe(false);
    expect((await timeline(userId))[0]).toEqual(['revoked', 'revoke-link']);

    // Two clicks at once: one uses the link.
    const twice = await t.sessions.createRevokeLink(userId, phoneId);
    expect((await Promise.all([t.sessions.revokeByToken(twice), t.sessions.revokeByToken(twice)])).sort()).toEqual([
      false,
      true,
    ]);

    const expiring = await t.sessions.createRevokeLink(userId, phoneId, { ttl: '1h' });
    clock.advance(2 * 60 * 60 * 1000);
    expect(await t.sessions.revokeByToken(expiring)).toBe(false);
  });

  it('a link with `all` ends every session of its user', async () => {
    const userId = await newUser();
    const devices = [new Device(t, FIREFOX_LINUX, SWEDEN), new Device(t, SAFARI_IPHONE, SWEDEN)];
    for (const device of devices) await device.login(userId);
    const [first] = await t.sessions.list(userId);
    expect(await t.sessions.revokeByToken(await t.sessions.createRevokeLink(userId, first!.id), { all: true })).toBe(
      true,
    );
    expect(await t.sessions.list(userId)).toEqual([]);
  });

  it('exports what it keeps about a user without a key, and erases it everywhere', async () => {
    const userId = await newUser();
    const laptop = new Device(t, FIREFOX_LINUX, SWEDEN);
    await laptop.login(userId);
    await t.sessions.createRevokeLink(userId, (await t.sessions.list(userId))[0]!.id);
    const exported = await t.sessions.exportUserData(userId);
    expect(exported.sessions).toHaveLength(1);
    expect(exported.history.map((entry) => entry.event)).toEqual(['signed-in']);
    expect(JSON.stringify(exported)).not.toContain(laptop.key!);

    // An expired row not cleared yet holds an address too.
    const stale = await t.dataSource.getRepository(QSession).findOneByOrFail({ userId });
    await t.dataSource
      .getRepository(QSession)
      .insert({ ...stale, sessionKey: 'e'.repeat(64), expireDate: new Date(clock.now() - 1000) });
    expect(await t.sessions.eraseUserData(userId)).toEqual({ sessions: 2, historyEntries: 1, revokeLinks: 1 });
    expect(await t.dataSource.getRepository(QSession).countBy({ userId })).toBe(0);
    expect(await laptop.whoami()).toBeNull();
    expect(await entriesOf(userId)).toEqual([]);
    // Nothing recorded the erasure itself.
    expect(await t.dataSource.getRepository(QSessionHistoryEntry).countBy({ userId })).toBe(0);
  });

  it("deletes a user's history with the user", async () => {
    const userId = await newUser();
    await new Device(t, FIREFOX_LINUX, SWEDEN).login(userId);
    await t.dataSource.getRepository(IntUser).delete(userId);
    expect(await t.dataSource.getRepository(QSessionHistoryEntry).countBy({ userId })).toBe(0);
  });
});

describe.each(variants().slice(0, 1))('without the history option, on $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant, { controllers: [MySessionsController] });
  });
  afterAll(() => t?.close());

  it('writes no history, and its methods say how to turn it on', async () => {
    const userId = (await t.dataSource.getRepository(IntUser).save({ username: `n${Math.random()}` })).id;
    const events: SessionEvent[] = [];
    t.sessions.events.subscribe((event) => events.push(event));
    await new SessionClient(t, FIREFOX_LINUX).login(userId);
    expect(events.find((event) => event.type === 'signed-in')).toMatchObject({ userId, newDevice: null });
    expect(await t.dataSource.getRepository(QSessionHistoryEntry).count()).toBe(0);
    await expect(t.sessions.history(userId)).rejects.toThrow(/history: true/);
    await expect(t.sessions.createRevokeLink(userId, '0'.repeat(64))).rejects.toThrow(/history: true/);
  });
});

describe.each(databaseVariants())('history and revoke links across instances and restarts on $name', (variant) => {
  let folder: string;
  const start = (keepSchema: boolean) =>
    startTestApp(variant, {
      controllers: [MySessionsController, HistoryController],
      sqliteFile: join(folder, 'sessions.db'),
      keepSchema,
      qsessions: { history: true },
    });
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'qsessions-history-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('an entry written and a link made by one instance serve another, and a restarted one', async () => {
    const first = await start(false);
    const second = await start(true);
    let restarted: TestApp | undefined;
    try {
      const userId = (await first.dataSource.getRepository(IntUser).save({ username: `x${Math.random()}` })).id;
      const phone = new SessionClient(first, SAFARI_IPHONE);
      await phone.login(userId);
      const [session] = await first.sessions.list(userId);
      const token = await first.sessions.createRevokeLink(userId, session!.id);
      expect((await second.sessions.history(userId)).entries.map((entry) => entry.event)).toEqual(['signed-in']);

      await first.close();
      await second.close();
      restarted = await start(true);
      expect(await restarted.sessions.revokeByToken(token)).toBe(true);
      expect((await restarted.sessions.history(userId)).entries.map((entry) => [entry.event, entry.reason])).toEqual([
        ['revoked', 'revoke-link'],
        ['signed-in', null],
      ]);
      // The phone's next request, on the restarted instance, learns why.
      const ended = await request(restarted.url).get('/history/ended').set('Cookie', `sessionid=${phone.key}`);
      expect(ended.body.ended).toMatchObject({ reason: 'revoke-link' });
    } finally {
      await first.close().catch(() => undefined);
      await second.close().catch(() => undefined);
      await restarted?.close();
    }
  });
});
