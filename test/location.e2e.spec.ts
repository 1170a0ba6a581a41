import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { QSession } from '../lib/index.js';
import { sessionCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { MySessionsController } from './support/sessions.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// Location and device in the session list, on the entity and on the service, with MaxMind's
// official test databases (test/fixtures/geoip). Ports django-qsessions F.1 cases 1
// (what its admin shows: "Linköping, Sweden" and "Chrome 70.0.3538"), 10 and 11.

const FIXTURES = fileURLToPath(new URL('./fixtures/geoip/', import.meta.url));
const MAC_CHROME_70 =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36';

describe.each(variants())('location and device on $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant, {
      controllers: [TestController, MySessionsController],
      qsessions: {
        // The test client is on loopback: let it say which address it "comes from".
        trustProxy: 'loopback',
        geoip: { cityPath: `${FIXTURES}GeoIP2-City-Test.mmdb`, countryPath: `${FIXTURES}GeoIP2-Country-Test.mmdb` },
      },
    });
  });
  afterAll(() => t?.close());

  it('F.1 1: the session list shows the location and the browser of each session', async () => {
    const user = await t.dataSource.getRepository(IntUser).save({ username: 'sven' });
    const login = await request(t.url)
      .post('/me/sessions/login-as')
      .set('User-Agent', MAC_CHROME_70)
      .set('X-Forwarded-For', '89.160.20.112')
      .send({ userId: user.id })
      .expect(200);
    const key = sessionCookie(login.headers)!.value;
    const list = await request(t.url)
      .get('/me/sessions')
      .set('Cookie', `sessionid=${key}`)
      .set('User-Agent', MAC_CHROME_70)
      .set('X-Forwarded-For', '89.160.20.112')
      .expect(200);
    expect(list.body).toEqual([
      expect.objectContaining({
        ip: '89.160.20.112',
        location: 'Linköping, Sweden',
        current: true,
        device: expect.objectContaining({
          summary: 'Chrome on macOS',
          browser: expect.objectContaining({ name: 'Chrome', version: '70.0.3538.102' }),
        }),
      }),
    ]);
  });

  it('locates every session of the list, however many share an address', async () => {
    const user = await t.dataSource.getRepository(IntUser).save({ username: 'many-devices' });
    const addresses = ['89.160.20.112', '2001:218::1', '89.160.20.112', '127.0.0.1', '2001:218::1'];
    for (const address of addresses) {
      await request(t.url)
        .post('/me/sessions/login-as')
        .set('X-Forwarded-For', address)
        .send({ userId: user.id })
        .expect(200);
    }
    const views = await t.sessions.list(user.id);
    const byAddress = views.map((view) => [view.ip, view.location]).sort();
    expect(byAddress).toEqual(
      [
        ['127.0.0.1', null],
        ['2001:218::1', 'Japan'],
        ['2001:218::1', 'Japan'],
        ['89.160.20.112', 'Linköping, Sweden'],
        ['89.160.20.112', 'Linköping, Sweden'],
      ].sort(),
    );
  });

  it('F.1 10: an unsaved QSession knows its location', async () => {
    const session = Object.assign(new QSession(), { ip: '89.160.20.112' });
    expect(await session.location()).toBe('Linköping, Sweden');
    const info = await session.locationInfo();
    expect(info).toMatchObject({ city: 'Linköping', countryCode: 'SE', continentCode: 'EU' });
  });

  it('F.1 11: an unsaved QSession knows its device', () => {
    const session = Object.assign(new QSession(), { userAgent: MAC_CHROME_70 });
    const device = session.device();
    expect(device.os.name).toBe('Mac OS');
    expect(device.browser.name).toBe('Chrome');
    expect(device.browser.version).toMatch(/^70\.0\.3538/);
  });

  it('answers location questions on the service, falling back to the country database', async () => {
    expect(await t.sessions.location('2001:218::')).toBe('Japan');
    expect(await t.sessions.location('127.0.0.1')).toBeNull();
    expect(await t.sessions.locationInfo('not an ip')).toBeNull();
  });
});

describe('without a GeoIP database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variants()[0]!, {
      controllers: [TestController, MySessionsController],
      qsessions: { geoip: false },
    });
  });
  afterAll(() => t?.close());

  it('lists sessions with a null location and still parses the device', async () => {
    const user = await t.dataSource.getRepository(IntUser).save({ username: 'nobody' });
    const login = await request(t.url)
      .post('/me/sessions/login-as')
      .set('User-Agent', MAC_CHROME_70)
      .send({ userId: user.id })
      .expect(200);
    const key = sessionCookie(login.headers)!.value;
    const list = await request(t.url)
      .get('/me/sessions')
      .set('Cookie', `sessionid=${key}`)
      .set('User-Agent', MAC_CHROME_70);
    expect(list.body).toEqual([
      expect.objectContaining({ location: null, device: expect.objectContaining({ summary: 'Chrome on macOS' }) }),
    ]);
  });
});
