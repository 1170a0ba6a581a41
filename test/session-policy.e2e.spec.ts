import { QSession } from '../lib/index.js';
import { digest } from './support/digest.js';
import { variants } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { MySessionsController } from './support/sessions.controller.js';
import { DevicesController, StepUpController } from './support/step-up.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestClock } from './support/test-clock.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// Step-up (@RequireFreshSession, markReauthenticated) and device names (rename), end to end.

const MINUTE = 60_000;

describe.each(variants())('session policy on $name', (variant) => {
  let t: TestApp;
  const clock = new TestClock();
  let userId: number;

  beforeAll(async () => {
    t = await startTestApp(variant, {
      controllers: [TestController, MySessionsController, StepUpController, DevicesController],
      clock,
    });
    userId = (await t.dataSource.getRepository(IntUser).save({ username: 'policy' })).id;
  });
  afterAll(() => t?.close());
  afterEach(() => clock.reset());

  describe('@RequireFreshSession', () => {
    it('refuses an anonymous session with a 403 that says why', async () => {
      const client = new SessionClient(t, 'Anonymous/1');
      await client.send('post', '/set', { CART: 1 });
      for (const path of ['/step-up/hourly', '/step-up/minute']) {
        const response = await client.send('get', path);
        expect(response.status).toBe(403);
        expect(response.body).toMatchObject({ reason: 'reauthentication-required', statusCode: 403 });
      }
    });

    it('lets a fresh sign-in through, refuses it once stale, and lets it through again after a confirmation', async () => {
      const client = new SessionClient(t, 'Fresh/1');
      await client.login(userId);
      expect((await client.send('get', '/step-up/minute')).status).toBe(200);
      expect((await client.send('get', '/step-up/hourly')).status).toBe(200);

      clock.advance(2 * MINUTE);
      const stale = await client.send('get', '/step-up/minute');
      expect(stale.status).toBe(403);
      expect(stale.body).toMatchObject({ reason: 'reauthentication-required', within: MINUTE });
      // The handler's limit wins over the controller's: the hour still holds.
      expect((await client.send('get', '/step-up/hourly')).status).toBe(200);

      expect((await client.send('post', '/me/devices/confirm')).status).toBe(200);
      expect((await client.send('get', '/step-up/minute')).status).toBe(200);

      clock.advance(61 * MINUTE);
      expect((await client.send('get', '/step-up/hourly')).status).toBe(403);
      // A new sign-in counts as a proof too.
      await client.login(userId);
      expect((await client.send('get', '/step-up/hourly')).status).toBe(200);
    });

    it('an ordinary save of a stale session does not make it fresh, and list() shows when the user last proved it', async () => {
      const client = new SessionClient(t, 'Stale/1');
      await client.login(userId);
      const [view] = (await client.list()).filter((session) => session.current);
      const signedInAt = Date.parse(view!.reauthenticatedAt as unknown as string);
      expect(Math.abs(signedInAt - clock.now())).toBeLessThan(5000);

      clock.advance(5 * MINUTE);
      expect((await client.send('post', '/set', { MORE: 1 })).status).toBe(200);
      expect((await client.send('get', '/step-up/minute')).status).toBe(403);
      const [after] = (await client.list()).filter((session) => session.current);
      expect(Date.parse(after!.reauthenticatedAt as unknown as string)).toBe(signedInAt);
    });

    it('markReauthenticated() refuses a request without a signed-in session', async () => {
      const client = new SessionClient(t, 'Nobody/1');
      await client.send('post', '/set', { CART: 1 });
      expect((await client.send('post', '/me/devices/confirm')).status).toBe(500);
      expect((await client.send('get', '/step-up/hourly')).status).toBe(403);
    });
  });

  describe('rename()', () => {
    it("names one of the user's sessions, trimmed, and keeps the name through later saves", async () => {
      const laptop = new SessionClient(t, 'Laptop/1');
      const phone = new SessionClient(t, 'Phone/1');
      await laptop.login(userId);
      await phone.login(userId);
      expect(await phone.whoami()).toBe(userId); // cached, if the engine caches
      const phoneId = digest(phone.key!);

      expect((await laptop.send('patch', `/me/devices/${phoneId}`, { label: '  My phone  ' })).status).toBe(200);
      const labelOf = async () => (await laptop.list()).find((view) => view.id === phoneId)?.label;
      expect(await labelOf()).toBe('My phone');

      // The phone's own requests save its (possibly cached) copy of the row: the name stays.
      expect((await phone.send('post', '/set', { THEME: 'dark' })).status).toBe(200);
      clock.advance(2 * MINUTE);
      expect((await phone.send('post', '/set', { THEME: 'light' })).status).toBe(200);
      expect(await labelOf()).toBe('My phone');
      expect((await t.dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: phoneId })).label).toBe(
        'My phone',
      );

      expect((await laptop.send('patch', `/me/devices/${phoneId}`, { label: null })).status).toBe(200);
      expect(await labelOf()).toBeNull();
    });

    it("refuses another user's session, and a name that is too long or holds control characters", async () => {
      const other = await t.dataSource.getRepository(IntUser).save({ username: 'other-policy' });
      const mine = new SessionClient(t, 'Mine/1');
      const theirs = new SessionClient(t, 'Theirs/1');
      await mine.login(userId);
      await theirs.login(other.id);
      const theirId = digest(theirs.key!);

      expect((await mine.send('patch', `/me/devices/${theirId}`, { label: 'Mine now' })).status).toBe(404);
      expect(await t.sessions.rename(userId, theirId, 'Mine now')).toBe(false);
      expect(await t.sessions.rename(userId, 'not-an-id', 'x')).toBe(false);
      expect((await t.dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: theirId })).label).toBeNull();

      const myId = digest(mine.key!);
      const tooLong = await mine.send('patch', `/me/devices/${myId}`, { label: 'x'.repeat(65) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.message).toMatch(/at most 64 characters/);
      const control = await mine.send('patch', `/me/devices/${myId}`, { label: 'Work\nlaptop' });
      expect(control.status).toBe(400);
      expect(control.body.message).toMatch(/control characters/);
      // 64 characters are fine, counted as the database counts them (an emoji is one).
      const longest = '💻'.repeat(64);
      expect((await mine.send('patch', `/me/devices/${myId}`, { label: longest })).status).toBe(200);
      expect((await mine.list()).find((view) => view.current)?.label).toBe(longest);
    });
  });
});
