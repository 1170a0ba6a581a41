import request from 'supertest';
import { sessionCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe.each(variants())('smoke $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant);
  });
  afterAll(() => t?.close());

  it('creates, reads and changes a session', async () => {
    const first = await request(t.url).get('/modify_session').set('User-Agent', 'TestUA/1.1').expect(200);
    const cookie = sessionCookie(first.headers);
    expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
    const read = await request(t.url)
      .get('/read_session')
      .set('Cookie', `sessionid=${cookie!.value}`)
      .set('User-Agent', 'TestUA/1.1')
      .expect(200);
    expect(read.body).toEqual({ FOO: 'BAR' });
  });
});
