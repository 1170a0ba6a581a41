import { EventEmitter } from 'node:events';
import { PubSub } from 'graphql-subscriptions';
import { LiveSessions, SESSION_ENDED_CLOSE_CODE } from '../lib/index.js';
import { digest } from './support/digest.js';
import { hostileCookiesAround } from './support/hostile-cookies.js';
import { graphqlSubscriptionsModuleFor } from './support/graphql-module.js';
import { GqlSubscriber, SubscriptionsResolver, TICKS } from './support/graphql-subscriptions.resolver.js';
import { GraphQLWsTestClient, type WsClose } from './support/graphql-ws-client.js';
import { variants } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { sleep } from './support/sleep.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// GraphQL subscriptions over WebSocket on real servers: graphql-ws on Apollo (Express) configured
// with graphqlWsSessions(), Mercurius's own subscription server (graphql-transport-ws) on Fastify
// configured with mercuriusSubscriptionSessions(); every engine, database and cache. The
// connection's session comes from the handshake's cookie, connections without a signed-in
// session are refused (4403), the decorators and SessionService work in subscription resolvers,
// and the connection closes with 4001 and the reason as soon as its session ends.

/** graphql-ws's close code for a refused connection (`CloseCode.Forbidden`). */
const FORBIDDEN = 4403;

const WHOAMI = 'subscription { whoami { sessionId userId data ip userAgent listedAsCurrent } }';
const TICKS_QUERY = 'subscription { ticks { n sessionId userId } }';

interface Tick {
  n: number;
  sessionId: string | null;
  userId: number | null;
}

describe.each(variants())('GraphQL subscriptions on $name', (variant) => {
  const server = variant.adapter === 'fastify' ? 'Mercurius' : 'graphql-ws (Apollo)';
  let t: TestApp;
  let users: { alice: IntUser; bob: IntUser };
  // The PubSub's emitter: a test waits for a subscription's listener before it publishes.
  const emitter = new EventEmitter();
  const pubSub = new PubSub({ eventEmitter: emitter });
  const clients: GraphQLWsTestClient[] = [];

  beforeAll(async () => {
    t = await startTestApp(variant, {
      imports: [graphqlSubscriptionsModuleFor(variant.adapter)],
      controllers: [TestController],
      providers: [SubscriptionsResolver, { provide: PubSub, useValue: pubSub }],
    });
    const repository = t.dataSource.getRepository(IntUser);
    users = { alice: await repository.save({ username: 'alice' }), bob: await repository.save({ username: 'bob' }) };
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(() => t?.close());

  function connect(cookie?: string): GraphQLWsTestClient {
    const client = new GraphQLWsTestClient(t.url, { cookie });
    clients.push(client);
    return client;
  }

  async function signedIn(userId: number, userAgent = 'Browser/1.0'): Promise<SessionClient> {
    const browser = new SessionClient(t, userAgent);
    await browser.send('post', '/set', { theme: 'light' });
    const response = await browser.send('post', '/login', { userId });
    expect(response.status).toBe(200);
    return browser;
  }

  /** Resolves once `count` subscriptions listen to TICKS (publishing earlier would reach none). */
  async function listening(count: number): Promise<void> {
    for (let waited = 0; emitter.listenerCount(TICKS) !== count; waited += 10) {
      if (waited > 5000) throw new Error(`${emitter.listenerCount(TICKS)} listeners of ${TICKS}, not ${count}`);
      await sleep(10);
    }
  }

  function expectRefused(close: WsClose): void {
    expect(close).toEqual({ code: FORBIDDEN, reason: 'Forbidden' });
  }

  function expectSessionEnded(close: WsClose, reason: string): void {
    expect(close).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason });
  }

  it(`a signed-in handshake opens its session on ${server}; the subscribing resolver reads it through the decorators and SessionService`, async () => {
    const browser = await signedIn(users.alice.id);
    const subscription = connect(`sessionid=${browser.key}`).subscribe<GqlSubscriber>(WHOAMI, 'whoami');
    const me = await subscription.next();
    expect(me).toMatchObject({
      sessionId: digest(browser.key!),
      userId: users.alice.id,
      userAgent: 'GqlWsTest/1.0',
      listedAsCurrent: true,
    });
    expect(me.ip).toMatch(/127\.0\.0\.1$/);
    expect(JSON.parse(me.data)).toMatchObject({ theme: 'light', userId: users.alice.id });
    expect(await subscription.ended).toEqual({ completed: true });
  });

  it('published events reach the subscription; each event’s fields are resolved with the connection’s session', async () => {
    const browser = await signedIn(users.bob.id);
    const subscription = connect(`sessionid=${browser.key}`).subscribe<Tick>(TICKS_QUERY, 'ticks');
    await listening(1);
    await pubSub.publish(TICKS, 1);
    await pubSub.publish(TICKS, 2);
    const expected = { sessionId: digest(browser.key!), userId: users.bob.id };
    expect(await subscription.next()).toEqual({ n: 1, ...expected });
    expect(await subscription.next()).toEqual({ n: 2, ...expected });
  });

  it('a handshake without a cookie, or with an anonymous session’s, is refused with 4403', async () => {
    const anonymous = connect();
    const refused = anonymous.subscribe<Tick>(TICKS_QUERY, 'ticks');
    expectRefused(await anonymous.closed);
    expect((await refused.ended).completed).toBe(false);

    const visitor = new SessionClient(t, 'Browser/1.0');
    await visitor.send('post', '/set', { cart: 1 });
    expect(visitor.key).toMatch(/^[a-z0-9]{32}$/);
    const withoutUser = connect(`sessionid=${visitor.key}`);
    withoutUser.subscribe<Tick>(TICKS_QUERY, 'ticks');
    expectRefused(await withoutUser.closed);
    expect(emitter.listenerCount(TICKS)).toBe(0);
  });

  it('hostile cookies are refused, and only a well-formed key is looked up', async () => {
    const browser = await signedIn(users.bob.id);
    const hostile = hostileCookiesAround(browser.key!);
    for (const cookie of hostile) {
      t.queries.reset();
      const client = connect(cookie);
      client.subscribe<Tick>(TICKS_QUERY, 'ticks');
      expectRefused(await client.closed);
      expect(t.queries.reads).toEqual([]);
    }
    // Well-formed but unknown: looked up (on Fastify, the session middleware also sees the
    // handshake, which goes through Fastify's routing), and refused.
    t.queries.reset();
    const unknown = connect(`sessionid=${'q'.repeat(32)}`);
    unknown.subscribe<Tick>(TICKS_QUERY, 'ticks');
    expectRefused(await unknown.closed);
    expect(t.queries.reads.length).toBeGreaterThan(0);
  });

  it('revoke() closes exactly the connections of the revoked session, with 4001 and the reason', async () => {
    const laptop = await signedIn(users.bob.id, 'Laptop/1.0');
    const phone = await signedIn(users.bob.id, 'Phone/1.0');
    const laptopClient = connect(`sessionid=${laptop.key}`);
    const phoneClient = connect(`sessionid=${phone.key}`);
    const laptopTicks = laptopClient.subscribe<Tick>(TICKS_QUERY, 'ticks');
    const phoneTicks = phoneClient.subscribe<Tick>(TICKS_QUERY, 'ticks');
    await listening(2);
    await pubSub.publish(TICKS, 1);
    expect((await phoneTicks.next()).n).toBe(1);
    expect((await laptopTicks.next()).n).toBe(1);

    await t.sessions.revoke(users.bob.id, digest(phone.key!), { reason: 'user-request' });
    expectSessionEnded(await phoneClient.closed, 'user-request');
    expect((await phoneTicks.ended).completed).toBe(false);
    // The closed connection's subscription is stopped on the server; the other one still gets events.
    await listening(1);
    expect(laptopClient.isOpen()).toBe(true);
    await pubSub.publish(TICKS, 2);
    expect(await laptopTicks.next()).toMatchObject({ n: 2, sessionId: digest(laptop.key!) });
  });

  it('logout over HTTP with the same cookie closes the connection with reason "logout"', async () => {
    const browser = await signedIn(users.alice.id);
    const client = connect(`sessionid=${browser.key}`);
    const ticks = client.subscribe<Tick>(TICKS_QUERY, 'ticks');
    await listening(1);
    const live = t.app.get(LiveSessions);
    expect(live.connectionCount).toBe(1);
    await browser.send('post', '/logout');
    expectSessionEnded(await client.closed, 'logout');
    expect((await ticks.ended).completed).toBe(false);
    await listening(0);
    expect(live.connectionCount).toBe(0);
  });
});
