import request from 'supertest';
import { QSession } from '../lib/index.js';
import { digest } from './support/digest.js';
import { graphqlModuleFor } from './support/graphql-module.js';
import { SessionsResolver } from './support/graphql.resolver.js';
import { sessionCookie, type ParsedSetCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { IntUser } from './support/users.js';

// The decorators, FreshSessionGuard and SessionService inside GraphQL resolvers, on real servers:
// Apollo on Express, Mercurius on Fastify (the variant's adapter picks the driver), every engine,
// database and cache. A mutation's session is saved on the HTTP response of POST /graphql, as a
// REST handler's is: the cookie comes with that response and the next request sees the change.

interface GraphQLResult {
  status: number;
  data: Record<string, unknown> | null | undefined;
  errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined;
  cookie: ParsedSetCookie | undefined;
}

/** One browser talking GraphQL: its own User-Agent and session cookie. */
class GraphQLClient {
  key: string | undefined;
  constructor(
    private readonly t: TestApp,
    readonly userAgent: string,
  ) {}

  async send(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult> {
    let test = request(this.t.url)
      .post('/graphql')
      .set('User-Agent', this.userAgent)
      .set('Content-Type', 'application/json');
    if (this.key) test = test.set('Cookie', `sessionid=${this.key}`);
    const response = await test.send({ query, variables });
    const cookie = sessionCookie(response.headers);
    if (cookie) this.key = cookie.attributes['max-age'] === '0' ? undefined : cookie.value;
    const body = response.body as { data?: Record<string, unknown> | null; errors?: GraphQLResult['errors'] };
    return { status: response.status, data: body.data, errors: body.errors, cookie };
  }

  async me(): Promise<{ sessionId: string | null; userId: number | null; data: Record<string, unknown> | null }> {
    const result = await this.send('{ me { sessionId userId data } }');
    expect(result.errors).toBeUndefined();
    const me = result.data!.me as { sessionId: string | null; userId: number | null; data: string };
    return { ...me, data: JSON.parse(me.data) as Record<string, unknown> | null };
  }

  async login(userId: number): Promise<GraphQLResult> {
    const result = await this.send('mutation ($userId: Int!) { login(userId: $userId) }', { userId });
    expect(result.errors).toBeUndefined();
    return result;
  }
}

describe.each(variants())('GraphQL resolvers on $name', (variant) => {
  const driver = variant.adapter === 'fastify' ? 'Mercurius' : 'Apollo';
  let t: TestApp;
  let users: { alice: IntUser; bob: IntUser };

  beforeAll(async () => {
    t = await startTestApp(variant, {
      imports: [graphqlModuleFor(variant.adapter)],
      qsessions: { history: true },
      controllers: [],
      providers: [SessionsResolver],
    });
    const repository = t.dataSource.getRepository(IntUser);
    users = { alice: await repository.save({ username: 'alice' }), bob: await repository.save({ username: 'bob' }) };
  });
  afterAll(() => t?.close());

  it(`a mutation that changes the session sets the cookie on the ${driver} HTTP response, and the next query reads it`, async () => {
    const client = new GraphQLClient(t, 'GqlTest/1.0');
    const written = await client.send('mutation { setValue(key: "theme", value: "dark") }');
    expect(written.errors).toBeUndefined();
    expect(written.data).toEqual({ setValue: true });
    expect(written.cookie?.value).toMatch(/^[a-z0-9]{32}$/);
    expect(written.cookie?.attributes.httponly).toBe(true);
    // Stored before the response was sent: the row is there as soon as the client has it.
    expect(await t.dataSource.getRepository(QSession).countBy({ sessionKey: digest(client.key!) })).toBe(1);

    const me = await client.me();
    expect(me.data).toMatchObject({ theme: 'dark' });
    expect(me.sessionId).toBe(digest(client.key!));
  });

  it('a query that only reads sends no cookie and stores nothing', async () => {
    const before = await t.dataSource.getRepository(QSession).count();
    const anonymous = new GraphQLClient(t, 'GqlTest/1.0');
    const result = await anonymous.send('{ me { sessionId userId data } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ me: { sessionId: null, userId: null, data: '{}' } });
    expect(result.cookie).toBeUndefined();
    expect(await t.dataSource.getRepository(QSession).count()).toBe(before);
  });

  it('the login mutation rotates the key and signs the user in; the logout mutation clears the cookie', async () => {
    const client = new GraphQLClient(t, 'GqlTest/1.0');
    await client.send('mutation { setValue(key: "cart", value: "3 items") }');
    const anonymousKey = client.key!;

    const signedIn = await client.login(users.alice.id);
    expect(signedIn.data).toEqual({ login: true });
    expect(signedIn.cookie?.value).toMatch(/^[a-z0-9]{32}$/);
    expect(client.key).not.toBe(anonymousKey);
    const me = await client.me();
    expect(me).toMatchObject({ userId: users.alice.id, sessionId: digest(client.key!) });
    expect(me.data).toMatchObject({ cart: '3 items' });
    // The old key no longer opens anything.
    expect(await t.dataSource.getRepository(QSession).countBy({ sessionKey: digest(anonymousKey) })).toBe(0);

    const signedInKey = client.key!;
    const out = await client.send('mutation { logout }');
    expect(out.errors).toBeUndefined();
    expect(out.cookie?.name).toBe('sessionid');
    expect(out.cookie?.attributes['max-age']).toBe('0');
    expect(await t.dataSource.getRepository(QSession).countBy({ sessionKey: digest(signedInKey) })).toBe(0);
    // The old cookie, sent again, is an anonymous session.
    client.key = signedInKey;
    expect(await client.me()).toMatchObject({ userId: null, sessionId: null });
  });

  it('mySessions lists the user’s sessions with the current one marked; revokeSession ends another device', async () => {
    const laptop = new GraphQLClient(t, 'Laptop/1.0');
    const phone = new GraphQLClient(t, 'Phone/2.0');
    await laptop.login(users.bob.id);
    await phone.login(users.bob.id);

    const listed = await laptop.send('{ mySessions { id userAgent current } }');
    expect(listed.errors).toBeUndefined();
    const views = listed.data!.mySessions as Array<{ id: string; userAgent: string; current: boolean }>;
    expect(views).toEqual(
      expect.arrayContaining([
        { id: digest(laptop.key!), userAgent: 'Laptop/1.0', current: true },
        { id: digest(phone.key!), userAgent: 'Phone/2.0', current: false },
      ]),
    );
    expect(views.filter((view) => view.current)).toHaveLength(1);

    // Owner-scoped: alice cannot end bob's session.
    const alice = new GraphQLClient(t, 'Other/1.0');
    await alice.login(users.alice.id);
    const refused = await alice.send('mutation ($id: String!) { revokeSession(id: $id) }', { id: digest(phone.key!) });
    expect(refused.data).toEqual({ revokeSession: false });
    expect(await phone.me()).toMatchObject({ userId: users.bob.id });

    const revoked = await laptop.send('mutation ($id: String!) { revokeSession(id: $id) }', { id: digest(phone.key!) });
    expect(revoked.data).toEqual({ revokeSession: true });
    // The phone's very next request is anonymous, and told why; the laptop is still signed in.
    const ended = await phone.send('{ endedReason }');
    expect(ended.errors).toBeUndefined();
    expect(ended.data).toEqual({ endedReason: 'revoke' });
    expect(await phone.me()).toMatchObject({ userId: null, sessionId: null });
    expect(await laptop.me()).toMatchObject({ userId: users.bob.id });
  });

  it('client gives the request’s IP and User-Agent through @ClientInfo()', async () => {
    const client = new GraphQLClient(t, 'ClientInfo/3.0');
    const result = await client.send('{ client { ip userAgent } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ client: { ip: '127.0.0.1', userAgent: 'ClientInfo/3.0' } });
  });

  it('a @RequireFreshSession() mutation answers an anonymous request with a GraphQL error, and runs after a sign-in', async () => {
    const client = new GraphQLClient(t, 'GqlTest/1.0');
    const refused = await client.send('mutation { changePassword }');
    expect(refused.status).toBeLessThan(500);
    expect(refused.data?.changePassword ?? null).toBeNull();
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors![0]!.message).toMatch(/sign in again|re-?authenticat|confirm/i);

    await client.login(users.alice.id);
    const allowed = await client.send('mutation { changePassword }');
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data).toEqual({ changePassword: true });
  });

  it('confirmPassword (markReauthenticated) is saved like any other change of the session', async () => {
    const client = new GraphQLClient(t, 'GqlTest/1.0');
    await client.login(users.bob.id);
    const before = await t.dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: digest(client.key!) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const confirmed = await client.send('mutation { confirmPassword }');
    expect(confirmed.errors).toBeUndefined();
    const after = await t.dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: digest(client.key!) });
    expect(after.reauthenticatedAt!.getTime()).toBeGreaterThan(before.reauthenticatedAt!.getTime());
  });
});
