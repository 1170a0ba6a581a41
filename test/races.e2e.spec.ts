import request from 'supertest';
import { QSession } from '../lib/index.js';
import { sessionCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { MySessionsController } from './support/sessions.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';
import { digest } from './support/digest.js';

// Races between revocations and in-flight requests on the same session, and between
// concurrent sign-ins: a revoked session is never written back, and one sign-in never leaves
// two live keys behind, in either engine.

const ROUNDS = 12;

describe.each(variants())('races on $name', (variant) => {
  let t: TestApp;
  let userId: number;
  beforeAll(async () => {
    t = await startTestApp(variant, { controllers: [TestController, MySessionsController] });
    userId = (await t.dataSource.getRepository(IntUser).save({ username: 'racer' })).id;
  });
  afterAll(() => t?.close());

  async function signIn(): Promise<string> {
    const response = await request(t.url).post('/me/sessions/login-as').send({ userId }).expect(200);
    return sessionCookie(response.headers)!.value;
  }

  const revocations: Array<[string, (key: string) => Promise<unknown>]> = [
    ['revoke', (key) => t.sessions.revoke(userId, digest(key))],
    ['revokeAll', () => t.sessions.revokeAll(userId)],
    ['logout', (key) => request(t.url).post('/logout').set('Cookie', `sessionid=${key}`)],
    [
      'revokeOthers',
      async () =>
        request(t.url)
          .post('/me/sessions/revoke-others')
          .set('Cookie', `sessionid=${await signIn()}`),
    ],
  ];

  it.each(revocations)('%s racing writes to the same session never brings it back', async (_name, revoke) => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = await signIn();
      const writers = Array.from({ length: 6 }, (_, i) =>
        request(t.url)
          .post('/set')
          .set('Cookie', `sessionid=${key}`)
          .send({ [`w${i}`]: round }),
      );
      const responses = await Promise.all([...writers.slice(0, 3), revoke(key), ...writers.slice(3)]);
      for (const response of responses) {
        if (response && typeof response === 'object' && 'status' in response) {
          expect([200, 400]).toContain((response as { status: number }).status);
        }
      }
      expect(await t.dataSource.getRepository(QSession).existsBy({ sessionKey: digest(key) })).toBe(false);
      const after = await request(t.url).get('/me/sessions/whoami').set('Cookie', `sessionid=${key}`).expect(200);
      expect(after.body.userId).toBeNull();
    }
    // Writers that arrived after the revocation may start new anonymous sessions, never signed-in ones.
    await t.sessions.revokeAll(userId);
  });

  /**
   * The app's own delete of the user, as an app on InnoDB must write it: MariaDB may pick that
   * delete (cascading to the session rows) as the victim of a deadlock with the session writes
   * running at the same time, and asks for the transaction to be restarted. What must hold is
   * that once the user is gone, so are all of its sessions.
   */
  async function removeRetryingDeadlocks(user: IntUser): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await t.dataSource.getRepository(IntUser).remove({ ...user });
        return;
      } catch (error) {
        const errno = (error as { driverError?: { errno?: number } }).driverError?.errno;
        if (errno !== 1213 || attempt === 3) throw error;
      }
    }
  }

  it('a user deleted while requests modify their sessions loses them all', async () => {
    for (let round = 0; round < 4; round++) {
      const user = await t.dataSource.getRepository(IntUser).save({ username: `gone-${round}` });
      const response = await request(t.url).post('/me/sessions/login-as').send({ userId: user.id }).expect(200);
      const key = sessionCookie(response.headers)!.value;
      const writers = Array.from({ length: 4 }, (_, i) =>
        request(t.url)
          .post('/set')
          .set('Cookie', `sessionid=${key}`)
          .send({ [`w${i}`]: round }),
      );
      const id = user.id; // remove() clears it on the entity
      await Promise.all([...writers, removeRetryingDeadlocks(user)]);
      expect(await t.dataSource.getRepository(QSession).countBy({ userId: id })).toBe(0);
      const after = await request(t.url).get('/me/sessions/whoami').set('Cookie', `sessionid=${key}`).expect(200);
      expect(after.body.userId).toBeNull();
    }
  });

  it('concurrent sign-ins with one session rotate it once and leave no live key that no client holds', async () => {
    const rotatedFrom: Array<string | null> = [];
    const subscription = t.sessions.events.subscribe((event) => {
      if (event.type === 'rotated') rotatedFrom.push(event.previousId);
    });
    for (let round = 0; round < ROUNDS; round++) {
      rotatedFrom.length = 0;
      const anonymous = sessionCookie((await request(t.url).get('/modify_session').expect(200)).headers)!.value;
      const attempts = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(t.url).post('/me/sessions/login-as').set('Cookie', `sessionid=${anonymous}`).send({ userId }),
        ),
      );
      // A request that loaded the session rotates it; one that lost the race for it gets 409 (a
      // request arriving after the rotation sees no session and signs in afresh: its own key).
      for (const attempt of attempts) expect([200, 409]).toContain(attempt.status);
      const handedOut = attempts
        .filter((response) => response.status === 200)
        .map((response) => digest(sessionCookie(response.headers)!.value));
      expect(handedOut.length).toBeGreaterThanOrEqual(1);
      const live = await t.dataSource.getRepository(QSession).findBy({ userId });
      expect(live.map((row) => row.sessionKey).sort()).toEqual([...handedOut].sort());
      expect(await t.dataSource.getRepository(QSession).existsBy({ sessionKey: digest(anonymous) })).toBe(false);
      // The one anonymous session became exactly one signed-in session.
      expect(rotatedFrom.filter((previous) => previous === digest(anonymous))).toHaveLength(1);
      await t.sessions.revokeAll(userId);
    }
    subscription.unsubscribe();
  });
});
