import { QSession, type SessionEvent } from '../lib/index.js';
import { sessionCookie } from './support/http.js';
import { SessionClient as Client } from './support/session-client.js';
import { variants, type Variant } from './support/matrix.js';
import { MySessionsController } from './support/sessions.controller.js';
import { startTestApp, type TestApp, type TestAppOptions } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';
import { digest } from './support/digest.js';
import { TestClock } from './support/test-clock.js';

// SessionService end to end: what a "my sessions" page does, on every engine, database and cache.

function appFor(variant: Variant, qsessions: TestAppOptions['qsessions'] = {}, clock?: TestClock) {
  return startTestApp(variant, { controllers: [TestController, MySessionsController], qsessions, clock });
}

describe.each(variants())('SessionService on $name', (variant) => {
  let t: TestApp;
  let users: { alice: IntUser; bob: IntUser };
  const events: SessionEvent[] = [];

  beforeAll(async () => {
    t = await appFor(variant);
    const repository = t.dataSource.getRepository(IntUser);
    users = { alice: await repository.save({ username: 'alice' }), bob: await repository.save({ username: 'bob' }) };
    t.sessions.events.subscribe((event) => events.push(event));
  });
  afterAll(() => t?.close());
  beforeEach(() => {
    events.length = 0;
  });

  it('lists two sign-ins of one user with their own IP and User-Agent, and marks the current one', async () => {
    const laptop = new Client(t, 'Laptop/1.0');
    const phone = new Client(t, 'Phone/2.0');
    await laptop.login(users.alice.id);
    await phone.login(users.alice.id);

    const fromLaptop = await laptop.list();
    const mine = fromLaptop.filter((view) => [digest(laptop.key!), digest(phone.key!)].includes(view.id));
    expect(mine).toHaveLength(2);
    const byAgent = Object.fromEntries(mine.map((view) => [view.userAgent, view]));
    expect(byAgent['Laptop/1.0']).toMatchObject({ id: digest(laptop.key!), ip: '127.0.0.1', current: true });
    expect(byAgent['Phone/2.0']).toMatchObject({ id: digest(phone.key!), ip: '127.0.0.1', current: false });
    expect(fromLaptop.filter((view) => view.current)).toHaveLength(1);
    // Never the cookie value.
    expect(JSON.stringify(fromLaptop)).not.toContain(laptop.key!);
    expect(JSON.stringify(fromLaptop)).not.toContain(phone.key!);
    // Most recent activity first.
    const times = fromLaptop.map((view) => Date.parse(view.lastActive as unknown as string));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('revokeOthers() signs out every other device at once; the current one stays', async () => {
    const [a, b, c] = ['A/1', 'B/1', 'C/1'].map((agent) => new Client(t, agent));
    for (const client of [a!, b!, c!]) await client.login(users.bob.id);
    const response = await a!.send('post', '/me/sessions/revoke-others');
    expect(response.body.ended).toBeGreaterThanOrEqual(2);
    expect(await b!.whoami()).toBeNull();
    expect(await c!.whoami()).toBeNull();
    expect(await a!.whoami()).toBe(users.bob.id);
    const remaining = await t.dataSource.getRepository(QSession).findBy({ userId: users.bob.id });
    expect(remaining.map((row) => row.sessionKey)).toEqual([digest(a!.key!)]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'revoked', reason: 'revoke-others', userId: users.bob.id }),
    );
  });

  it("refuses to revoke another user's session and changes nothing", async () => {
    const alice = new Client(t, 'Alice/1');
    const bob = new Client(t, 'Bob/1');
    await alice.login(users.alice.id);
    await bob.login(users.bob.id);
    const before = await t.dataSource.getRepository(QSession).count();
    const attempt = await alice.send('delete', `/me/sessions/${digest(bob.key!)}`);
    expect(attempt.status).toBe(404);
    expect(await t.sessions.revoke(users.alice.id, digest(bob.key!))).toBe(false);
    expect(await t.sessions.revoke(users.alice.id, 'not-a-digest')).toBe(false);
    expect(await t.dataSource.getRepository(QSession).count()).toBe(before);
    expect(await bob.whoami()).toBe(users.bob.id);
    expect(events.filter((event) => event.type === 'revoked')).toEqual([]);
  });

  it('revoke() ends one chosen session of the user, effective on its very next request', async () => {
    const keep = new Client(t, 'Keep/1');
    const drop = new Client(t, 'Drop/1');
    await keep.login(users.alice.id);
    await drop.login(users.alice.id);
    expect(await drop.whoami()).toBe(users.alice.id); // cached, if the engine caches
    const dropped = digest(drop.key!);
    const response = await keep.send('delete', `/me/sessions/${dropped}`);
    expect(response.status).toBe(200);
    expect(await drop.whoami()).toBeNull();
    expect(await keep.whoami()).toBe(users.alice.id);
    expect(events).toContainEqual({
      type: 'revoked',
      reason: 'revoke',
      ids: [dropped],
      userId: users.alice.id,
      at: expect.any(Date),
    });
  });

  it('revokeById() ends any live session for admin tools, and refuses unknown or malformed ids', async () => {
    const target = new Client(t, 'Target/1');
    await target.login(users.bob.id);
    const id = digest(target.key!);
    expect(await t.sessions.revokeById('nope')).toBe(false);
    expect(await t.sessions.revokeById(digest('never-issued'))).toBe(false);
    expect(await t.sessions.revokeById(id)).toBe(true);
    expect(await target.whoami()).toBeNull();
    expect(await t.sessions.revokeById(id)).toBe(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'revoked', ids: [id], userId: users.bob.id }));
  });

  it('the reason an app gives reaches the revoked event; one that is not a reason is refused and ends nothing', async () => {
    const dave = await t.dataSource.getRepository(IntUser).save({ username: 'dave' });
    const [here, phone, tablet, laptop] = ['Here/1', 'Phone/1', 'Tablet/1', 'Laptop/1'].map(
      (agent) => new Client(t, agent),
    );
    for (const client of [here!, phone!, tablet!, laptop!]) await client.login(dave.id);
    const reasonOf = (id: string) =>
      events.find((event) => event.type === 'revoked' && event.ids.includes(id)) as { reason: string } | undefined;

    for (const reason of ['', 'x'.repeat(65), 'line\nbreak', 42]) {
      await expect(t.sessions.revoke(dave.id, digest(phone!.key!), { reason: reason as string })).rejects.toThrow(
        /revocation reason/,
      );
      await expect(t.sessions.revokeAll(dave.id, { reason: reason as string })).rejects.toThrow(/revocation reason/);
    }
    expect(await t.dataSource.getRepository(QSession).countBy({ userId: dave.id })).toBe(4);
    expect(events.filter((event) => event.type === 'revoked')).toEqual([]);

    expect(await t.sessions.revoke(dave.id, digest(phone!.key!), { reason: 'user-request' })).toBe(true);
    expect(reasonOf(digest(phone!.key!))?.reason).toBe('user-request');
    expect(await t.sessions.revokeById(digest(tablet!.key!), { reason: 'admin' })).toBe(true);
    expect(reasonOf(digest(tablet!.key!))?.reason).toBe('admin');
    const response = await here!.send('post', '/me/sessions/revoke-others', { reason: 'password-changed' });
    expect(response.body).toEqual({ ended: 1 });
    expect(reasonOf(digest(laptop!.key!))?.reason).toBe('password-changed');
    expect(await laptop!.whoami()).toBeNull();
    expect(await t.sessions.revokeAll(dave.id, { reason: 'account-locked' })).toBe(1);
    expect(reasonOf(digest(here!.key!))?.reason).toBe('account-locked');
  });

  it('revokeAll() ends every session of the user, the requesting one included', async () => {
    const repository = t.dataSource.getRepository(IntUser);
    const carol = await repository.save({ username: 'carol' });
    const clients = [new Client(t, 'One/1'), new Client(t, 'Two/1')];
    for (const client of clients) await client.login(carol.id);
    for (const client of clients) expect(await client.whoami()).toBe(carol.id);
    const response = await clients[0]!.send('post', '/me/sessions/revoke-all');
    expect(response.body).toEqual({ ended: 2 });
    expect(await t.dataSource.getRepository(QSession).countBy({ userId: carol.id })).toBe(0);
    for (const client of clients) expect(await client.whoami()).toBeNull();
  });

  it.each(['remove', 'delete'] as const)(
    'a user deleted through TypeORM (%s) loses every session, cached ones included',
    async (how) => {
      const repository = t.dataSource.getRepository(IntUser);
      const dave = await repository.save({ username: `dave-${how}` });
      const survivor = new Client(t, 'Survivor/1');
      await survivor.login(users.alice.id);
      const clients = [new Client(t, 'X/1'), new Client(t, 'Y/1')];
      for (const client of clients) await client.login(dave.id);
      // Read once more so that a caching engine serves these sessions from its cache.
      for (const client of clients) expect(await client.whoami()).toBe(dave.id);
      if (how === 'remove') await repository.remove(dave);
      else await repository.delete(dave.id);
      for (const client of clients) expect(await client.whoami()).toBeNull();
      expect(await survivor.whoami()).toBe(users.alice.id);
      if (how === 'remove') {
        expect(events).toContainEqual(expect.objectContaining({ type: 'revoked', reason: 'user-deleted' }));
      }
    },
  );

  it.each(['before', 'after'] as const)(
    'userDeleted(), called %s a user is deleted with raw SQL, ends every session, cached ones included',
    async (when) => {
      const repository = t.dataSource.getRepository(IntUser);
      const erin = await repository.save({ username: `erin-${when}` });
      const survivor = new Client(t, 'Survivor/2');
      await survivor.login(users.alice.id);
      const clients = [new Client(t, 'X/2'), new Client(t, 'Y/2')];
      for (const client of clients) await client.login(erin.id);
      // Read once more so that a caching engine serves these sessions from its cache.
      for (const client of clients) expect(await client.whoami()).toBe(erin.id);
      // What TypeORM never hears of: no entity event, the rows go by ON DELETE CASCADE.
      const { driver } = t.dataSource;
      const rawDelete = () =>
        t.dataSource.query(
          `DELETE FROM ${driver.escape(repository.metadata.tableName)} WHERE ${driver.escape('id')} = ${driver.createParameter('id', 0)}`,
          [erin.id],
        );
      events.length = 0;
      let ended: number;
      if (when === 'before') {
        ended = await t.sessions.userDeleted(erin);
        await rawDelete();
      } else {
        await rawDelete();
        // Until told, a cache still holds the sessions of a user it never saw go.
        if (variant.engine === 'cached_db') {
          for (const client of clients) expect(await client.whoami()).toBe(erin.id);
        }
        ended = await t.sessions.userDeleted([erin.id]);
      }
      expect(ended).toBe(when === 'before' ? 2 : 0);
      for (const client of clients) expect(await client.whoami()).toBeNull();
      expect(await survivor.whoami()).toBe(users.alice.id);
      if (when === 'before') {
        expect(events).toContainEqual(
          expect.objectContaining({ type: 'revoked', reason: 'user-deleted', userId: erin.id }),
        );
      }
    },
  );

  it('login() rotates the key, keeps the data, and reports the rotation', async () => {
    const client = new Client(t, 'Rotate/1');
    await client.send('post', '/set', { cart: ['book'] });
    const anonymous = client.key!;
    await client.login(users.alice.id);
    expect(client.key).not.toBe(anonymous);
    const data = (await client.send('get', '/read_session')).body;
    expect(data).toEqual({ cart: ['book'], userId: users.alice.id });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'rotated', previousId: digest(anonymous), id: digest(client.key!) }),
    );
    expect(await t.dataSource.getRepository(QSession).existsBy({ sessionKey: digest(anonymous) })).toBe(false);
  });

  it('logout() ends the session and reports it', async () => {
    const client = new Client(t, 'Logout/1');
    await client.login(users.bob.id);
    const key = client.key!;
    const response = await client.send('post', '/logout');
    expect(sessionCookie(response.headers)?.attributes['max-age']).toBe('0');
    expect(await t.dataSource.getRepository(QSession).existsBy({ sessionKey: digest(key) })).toBe(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'revoked', reason: 'logout', ids: [digest(key)] }));
  });

  it('clearExpired() purges expired rows in batches and reports how many', async () => {
    const sessions = t.dataSource.getRepository(QSession);
    const past = new Date(Date.now() - 60_000);
    const rows = Array.from({ length: 1203 }, (_, i) => ({
      sessionKey: digest(`expired-${variant.name}-${i}`),
      sessionData: '{}',
      userId: null,
      ip: null,
      userAgent: null,
      expireDate: past,
      createdAt: past,
      updatedAt: past,
    }));
    for (let i = 0; i < rows.length; i += 200) await sessions.insert(rows.slice(i, i + 200));
    const live = new Client(t, 'Live/1');
    await live.login(users.alice.id);
    expect(await t.sessions.clearExpired()).toBe(1203);
    expect(await sessions.countBy({ expireDate: past })).toBe(0);
    expect(await live.whoami()).toBe(users.alice.id);
    const expired = events.filter((event) => event.type === 'revoked' && event.reason === 'expired');
    expect(expired.map((event) => (event.type === 'revoked' ? event.ids.length : 0))).toEqual([1000, 203]);
  });
});

describe.each(variants())('session lifetimes on $name', (variant) => {
  it('refreshes "last active" at most once per activityInterval (counted writes)', async () => {
    const clock = new TestClock();
    const t = await appFor(variant, { activityInterval: 1500 }, clock);
    try {
      const user = await t.dataSource.getRepository(IntUser).save({ username: 'erin' });
      const client = new Client(t, 'Busy/1');
      await client.login(user.id);
      const before = await t.dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: digest(client.key!) });
      t.queries.reset();
      for (let i = 0; i < 5; i++) expect(await client.whoami()).toBe(user.id);
      expect(t.queries.writes).toEqual([]);
      clock.advance(1600);
      for (let i = 0; i < 5; i++) expect(await client.whoami()).toBe(user.id);
      expect(t.queries.writes).toHaveLength(1);
      const after = await t.dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: digest(client.key!) });
      expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
      expect(after.expireDate.getTime()).toBeGreaterThan(before.expireDate.getTime());
    } finally {
      await t.close();
    }
  });

  it('ends a session at its absolute lifetime however active it is', async () => {
    const clock = new TestClock();
    const t = await appFor(variant, { absoluteLifetime: 2000, activityInterval: 0 }, clock);
    try {
      const user = await t.dataSource.getRepository(IntUser).save({ username: 'frank' });
      const client = new Client(t, 'Forever/1');
      await client.login(user.id);
      const cookie = await client.send('get', '/me/sessions/whoami');
      // Every request refreshes activity (interval 0), yet the cookie never outlives the limit.
      expect(Number(sessionCookie(cookie.headers)?.attributes['max-age'])).toBeLessThanOrEqual(2);
      for (let i = 0; i < 4; i++) {
        expect(await client.whoami()).toBe(user.id);
        clock.advance(300);
      }
      clock.advance(1000);
      expect(await client.whoami()).toBeNull();
    } finally {
      await t.close();
    }
  });
});
