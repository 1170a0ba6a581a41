import { fileURLToPath } from 'node:url';
import request from 'supertest';
import type { IpPrivacy } from '../lib/index.js';
import { QSession } from '../lib/index.js';
import { sessionCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { MySessionsController } from './support/sessions.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// privacy.ip: what is kept of the client's address, from the request on (row, list, @ClientInfo, location).

const FIXTURES = fileURLToPath(new URL('./fixtures/geoip/', import.meta.url));
const CLIENT_V4 = '175.16.199.37'; // in MaxMind's test data, as a /24
const CLIENT_V6 = '2001:218:abcd:1234::7';

describe.each(variants())('privacy.ip on $name', (variant) => {
  const apps = new Map<IpPrivacy, TestApp>();
  beforeAll(async () => {
    for (const ip of ['truncated', 'none'] as const) {
      apps.set(
        ip,
        await startTestApp(variant, {
          controllers: [TestController, MySessionsController],
          qsessions: {
            privacy: { ip },
            trustProxy: 'loopback',
            geoip: {
              cityPath: `${FIXTURES}GeoLite2-City-Test.mmdb`,
              countryPath: `${FIXTURES}GeoLite2-Country-Test.mmdb`,
            },
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const t of apps.values()) await t.close();
  });

  /** Signs a new user in from `from`; resolves to the stored row and what list() shows. */
  async function signInFrom(t: TestApp, from: string) {
    const user = await t.dataSource.getRepository(IntUser).save({ username: `p${Math.random()}` });
    const login = await request(t.url)
      .post('/me/sessions/login-as')
      .set('X-Forwarded-For', from)
      .send({ userId: user.id })
      .expect(200);
    const key = sessionCookie(login.headers)!.value;
    const [view] = (
      await request(t.url).get('/me/sessions').set('Cookie', `sessionid=${key}`).set('X-Forwarded-For', from)
    ).body as Array<{ ip: string | null; location: string | null }>;
    const row = await t.dataSource.getRepository(QSession).findOneByOrFail({ userId: user.id });
    const client = (await request(t.url).get('/client').set('X-Forwarded-For', from)).body as { ip: string | null };
    return { row, view: view!, client };
  }

  it("'truncated' keeps the /24 of an IPv4 address everywhere, and its location", async () => {
    const t = apps.get('truncated')!;
    const { row, view, client } = await signInFrom(t, CLIENT_V4);
    expect([row.ip, view.ip, client.ip]).toEqual(['175.16.199.0', '175.16.199.0', '175.16.199.0']);
    expect(view.location).not.toBeNull();
    expect(view.location).toBe(await t.sessions.location(CLIENT_V4));
  });

  it("'truncated' keeps the /48 of an IPv6 address", async () => {
    const { row, view } = await signInFrom(apps.get('truncated')!, CLIENT_V6);
    expect([row.ip, view.ip]).toEqual(['2001:218:abcd::', '2001:218:abcd::']);
  });

  it("'none' keeps no address, and so no location", async () => {
    const { row, view, client } = await signInFrom(apps.get('none')!, CLIENT_V4);
    expect([row.ip, view.ip, client.ip, view.location]).toEqual([null, null, null, null]);
  });
});
