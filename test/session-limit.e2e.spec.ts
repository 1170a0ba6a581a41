import type { SessionEvent, SessionLimitPolicy } from '../lib/index.js';
import { QSession } from '../lib/index.js';
import { digest } from './support/digest.js';
import { variants, type Variant } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { MySessionsController } from './support/sessions.controller.js';
import { DevicesController } from './support/step-up.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestClock } from './support/test-clock.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// maxSessionsPerUser and onSessionLimit, end to end, in one app (two processes: session-limit-processes).

const MINUTE = 60_000;

async function appWithLimit(variant: Variant, max: number, policy: SessionLimitPolicy, clock: TestClock) {
  return startTestApp(variant, {
    controllers: [TestController, MySessionsController, DevicesController],
    qsessions: { maxSessionsPerUser: max, onSessionLimit: policy },
    clock,
  });
}

/** Signs a new browser in through login(); resolves to the client and the response. */
async function signIn(t: TestApp, userId: number, agent: string, replacing?: string) {
  const client = new SessionClient(t, agent);
  const response = await client.send('post', '/me/devices/login', { userId, replacing });
  return { client, response };
}

const liveRows = (t: TestApp, userId: number) => t.dataSource.getRepository(QSession).countBy({ userId });

describe.each(variants())('maxSessionsPerUser on $name', (variant) => {
  const clock = new TestClock();
  afterEach(() => clock.reset());

  describe.each(['evict-least-recent', 'evict-oldest'] as const)("onSessionLimit: '%s'", (policy) => {
    let t: TestApp;
    const events: SessionEvent[] = [];
    beforeAll(async () => {
      t = await appWithLimit(variant, 2, policy, clock);
      t.sessions.events.subscribe((event) => events.push(event));
    });
    afterAll(() => t?.close());

    it('a sign-in past the limit ends one session as a revocation with reason "limit", on its very next request', async () => {
      const user = (await t.dataSource.getRepository(IntUser).save({ username: `evict-${policy}` })).id;
      const first = (await signIn(t, user, 'First/1')).client;
      clock.advance(MINUTE);
      const second = (await signIn(t, user, 'Second/1')).client;
      expect(await second.whoami()).toBe(user); // cached, if the engine caches
      // The first is used after the second signed in (past activityInterval, so it is recorded):
      // the least recently used is now the second, the one signed in first is still the first.
      clock.advance(10 * MINUTE);
      expect(await first.whoami()).toBe(user);
      const ids = { first: digest(first.key!), second: digest(second.key!) };
      events.length = 0;

      const third = await signIn(t, user, 'Third/1');
      expect(third.response.status).toBe(200);
      const [ended, kept, endedId] =
        policy === 'evict-oldest' ? [first, second, ids.first] : [second, first, ids.second];
      expect(await ended.whoami()).toBeNull();
      expect(await kept.whoami()).toBe(user);
      expect(await third.client.whoami()).toBe(user);
      expect(await liveRows(t, user)).toBe(2);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'revoked', reason: 'limit', userId: user, ids: [endedId] }),
      );
    });

    it('concurrent sign-ins of one user never leave more than the limit', async () => {
      const user = (await t.dataSource.getRepository(IntUser).save({ username: `burst-${policy}` })).id;
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => signIn(t, user, `Burst/${i}`)));
      for (const { response } of results) expect([200, 409]).toContain(response.status);
      expect(await liveRows(t, user)).toBe(2);
      const alive = [];
      for (const { client } of results) if ((await client.whoami()) === user) alive.push(client);
      expect(alive).toHaveLength(2);
    });
  });

  describe("onSessionLimit: 'refuse'", () => {
    let t: TestApp;
    const events: SessionEvent[] = [];
    beforeAll(async () => {
      t = await appWithLimit(variant, 2, 'refuse', clock);
      t.sessions.events.subscribe((event) => events.push(event));
    });
    afterAll(() => t?.close());

    it('refuses a sign-in at the limit with the sessions to choose from, keeps the visitor session, and signs in replacing the chosen one', async () => {
      const user = (await t.dataSource.getRepository(IntUser).save({ username: 'refused' })).id;
      const first = (await signIn(t, user, 'First/1')).client;
      const second = (await signIn(t, user, 'Second/1')).client;

      const third = new SessionClient(t, 'Third/1');
      await third.send('post', '/set', { CART: ['book'] });
      const refused = await third.send('post', '/me/devices/login', { userId: user });
      expect(refused.status).toBe(409);
      expect(refused.body.reason).toBe('session-limit');
      expect(refused.body.limit).toBe(2);
      expect([...refused.body.sessions].sort()).toEqual([digest(first.key!), digest(second.key!)].sort());
      expect(await liveRows(t, user)).toBe(2);
      expect(await third.whoami()).toBeNull();
      expect((await third.send('get', '/read_session')).body).toMatchObject({ CART: ['book'] });
      for (const client of [first, second]) expect(await client.whoami()).toBe(user);

      events.length = 0;
      const firstId = digest(first.key!);
      const replaced = await third.send('post', '/me/devices/login', { userId: user, replacing: firstId });
      expect(replaced.status).toBe(200);
      expect(await third.whoami()).toBe(user);
      expect(await first.whoami()).toBeNull();
      expect(await second.whoami()).toBe(user);
      expect(await liveRows(t, user)).toBe(2);
      expect(events).toContainEqual(expect.objectContaining({ type: 'revoked', reason: 'limit', ids: [firstId] }));
    });

    it("a replacing id that is not one of the user's sessions changes nothing and is refused", async () => {
      const user = (await t.dataSource.getRepository(IntUser).save({ username: 'not-theirs' })).id;
      const other = (await t.dataSource.getRepository(IntUser).save({ username: 'bystander' })).id;
      const stranger = (await signIn(t, other, 'Stranger/1')).client;
      for (const agent of ['A/1', 'B/1']) await signIn(t, user, agent);
      const attempt = await signIn(t, user, 'C/1', digest(stranger.key!));
      expect(attempt.response.status).toBe(409);
      expect(await stranger.whoami()).toBe(other);
      expect(await liveRows(t, user)).toBe(2);
    });

    it('concurrent sign-ins of one user never leave more than the limit, and the refused ones get no session', async () => {
      const user = (await t.dataSource.getRepository(IntUser).save({ username: 'refused-burst' })).id;
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => signIn(t, user, `Burst/${i}`)));
      const accepted = results.filter(({ response }) => response.status === 200);
      // In one process, sign-ins of one user are decided one at a time: exactly the limit gets in.
      expect(accepted).toHaveLength(2);
      expect(await liveRows(t, user)).toBe(accepted.length);
      for (const { client, response } of results) {
        expect(await client.whoami()).toBe(response.status === 200 ? user : null);
      }
    });
  });
});
