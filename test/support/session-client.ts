import request from 'supertest';
import type { SessionView } from '../../lib/index.js';
import { sessionCookie } from './http.js';
import type { TestApp } from './test-app.js';

/** One browser: its own User-Agent and cookie. */
export class SessionClient {
  key: string | undefined;
  constructor(
    private readonly t: TestApp,
    readonly userAgent: string,
  ) {}

  async send(
    method: 'get' | 'post' | 'delete' | 'patch',
    path: string,
    body?: object,
    headers: Record<string, string> = {},
  ): Promise<request.Response> {
    let test = request(this.t.url)[method](path).set('User-Agent', this.userAgent).set(headers);
    if (this.key) test = test.set('Cookie', `sessionid=${this.key}`);
    const response = await (body ? test.send(body) : test);
    const cookie = sessionCookie(response.headers);
    if (cookie) this.key = cookie.attributes['max-age'] === '0' ? undefined : cookie.value;
    return response;
  }

  async login(userId: number) {
    const response = await this.send('post', '/me/sessions/login-as', { userId });
    expect(response.status).toBe(200);
  }

  async list(): Promise<SessionView[]> {
    const response = await this.send('get', '/me/sessions');
    expect(response.status).toBe(200);
    return response.body;
  }

  async whoami(): Promise<number | null> {
    return (await this.send('get', '/me/sessions/whoami')).body.userId;
  }
}
