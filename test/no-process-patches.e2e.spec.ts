import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sessionCookie } from './support/http.js';
import { databases, variants } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// The module gives `req.session` and the response gate to the requests of its own app only: a
// plain Node server in the same process keeps Node's IncomingMessage and ServerResponse as they
// were, and its requests and responses get nothing added.

/** Every own property of a prototype, with its descriptor (methods compared by identity). */
function snapshot(prototype: object): Map<PropertyKey, PropertyDescriptor> {
  return new Map(Reflect.ownKeys(prototype).map((key) => [key, Object.getOwnPropertyDescriptor(prototype, key)!]));
}

const requestBefore = snapshot(IncomingMessage.prototype);
const responseBefore = snapshot(ServerResponse.prototype);

/** What a plain server saw of its own request and response. */
interface PlainView {
  session: unknown;
  sessionID: unknown;
  requestKeys: string[];
  ownResponseMethods: string[];
}

const firstDatabase = databases[0]!;

describe.each(variants().filter((variant) => variant.database === firstDatabase))(
  'no process-wide patches on $name',
  (variant) => {
    let t: TestApp;
    let plain: http.Server;
    let plainUrl: string;
    let seen: PlainView | undefined;

    beforeAll(async () => {
      t = await startTestApp(variant);
      plain = http.createServer((req, res) => {
        const raw = req as IncomingMessage & { session?: unknown; sessionID?: unknown };
        seen = {
          session: raw.session,
          sessionID: raw.sessionID,
          requestKeys: Reflect.ownKeys(req).map(String),
          ownResponseMethods: ['writeHead', 'write', 'end', 'flushHeaders'].filter((name) => Object.hasOwn(res, name)),
        };
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('plain');
      });
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
      plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => plain?.close(resolve));
      await t?.close();
    });

    it("leaves Node's prototypes and a plain server's requests and responses as they were", async () => {
      // The Nest app stores a session and reads it back (its gate and req.session at work).
      const created = await request(t.url).get('/modify_session').expect(200);
      const key = sessionCookie(created.headers)!.value;
      await request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`).expect(200, { FOO: 'BAR' });

      const res = await request(plainUrl).get('/').set('Cookie', `sessionid=${key}`).expect(200, 'plain');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers.vary).toBeUndefined();
      expect(seen).toMatchObject({ session: undefined, sessionID: undefined, ownResponseMethods: [] });
      expect(seen!.requestKeys).not.toContain('session');
      expect(seen!.requestKeys).not.toContain('sessionID');

      expect(snapshot(IncomingMessage.prototype)).toEqual(requestBefore);
      expect(snapshot(ServerResponse.prototype)).toEqual(responseBefore);
      expect('session' in IncomingMessage.prototype).toBe(false);
    });

    it("gives the app's own requests and responses the session: on its prototypes on Express, on each one elsewhere", async () => {
      const server = t.app.getHttpServer() as http.Server;
      const own: { session?: boolean; end?: boolean; enumerable?: boolean } = {};
      const watch = (req: IncomingMessage, res: ServerResponse) =>
        res.on('finish', () => {
          own.session = Object.hasOwn(req, 'session');
          own.end = Object.hasOwn(res, 'end');
          own.enumerable = Object.keys(req).includes('session');
        });
      server.prependListener('request', watch);
      try {
        await request(t.url).get('/modify_session').expect(200);
      } finally {
        server.removeListener('request', watch);
      }
      const perRequest = variant.adapter !== 'express';
      expect(own).toEqual({ session: perRequest, end: perRequest, enumerable: false });
    });
  },
);
