import request from 'supertest';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { sessionCookie } from './support/http.js';

// The sample app boots on its embedded default (SQLite + in-memory cache) and keeps a session.
describe('sample app', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    process.env.SAMPLE_SQLITE_PATH = ':memory:';
    const { AppModule } = await import('../sample-app/src/app.module.js');
    app = await NestFactory.create(AppModule, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app?.close());

  it('counts visits in a server-side session', async () => {
    const first = await request(url).get('/').set('User-Agent', 'SampleTest/1.0').expect(200);
    expect(first.body).toMatchObject({ visits: 1, yourIp: '127.0.0.1', yourUserAgent: 'SampleTest/1.0' });
    const cookie = sessionCookie(first.headers);
    expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
    const second = await request(url)
      .get('/')
      .set('Cookie', `sessionid=${cookie!.value}`)
      .set('User-Agent', 'SampleTest/1.0');
    expect(second.body.visits).toBe(2);
  });
});
