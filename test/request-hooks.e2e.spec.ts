import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  Req,
  RequestMethod,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import request from 'supertest';
import { QSession } from '../lib/index.js';
import { digestSessionKey } from '../lib/session/session-key.js';
import { gateResponse } from '../lib/http/response-gate.js';
import type { CommitPlan } from '../lib/session/session-lifecycle.js';
import { exposesStateThroughPrototype } from '../lib/http/request-state.js';
import { sessionCookie } from './support/http.js';
import { databases, variants } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';

// How the session reaches the request and the response: on Express, `req.session`/`req.sessionID`
// are accessors and the response methods are wrapped on the app's own `app.request`/`app.response`;
// elsewhere they are put on each request and response (see lib/http/request-state.ts and
// response-gate.ts). These tests pin what must still hold around that: other middleware wrapping
// the response, assignments to req.session, and request/response objects of another kind.

type RawRequest = IncomingMessage & { session?: unknown; sessionID?: unknown };

/** Wraps writeHead and end on the response itself, as on-headers and compression do. */
function wrapResponse(res: ServerResponse, tag: string): void {
  const writeHead = res.writeHead;
  const end = res.end;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    this.setHeader(`X-${tag}-Head`, 'yes');
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent) this.setHeader(`X-${tag}-End`, 'yes');
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
}

@Injectable()
class ResponseWrappingMiddleware implements NestMiddleware {
  use(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
    wrapResponse(res, 'Wrapped');
    next();
  }
}

@Module({})
class ResponseWrappingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ResponseWrappingMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

@Controller('hooks')
class HooksController {
  /** What the raw request says about its session, before and after the key is given out. */
  @Get('ids')
  ids(@Req() req: { raw?: RawRequest } & RawRequest) {
    const raw = req.raw ?? req;
    const before = raw.sessionID;
    const session = raw.session as { id: string; hooked?: number };
    session.hooked = 1;
    const id = session.id;
    return { before: before ?? null, after: raw.sessionID, id, enumerable: Object.keys(raw).includes('session') };
  }

  /** An app (or another library) assigning req.session keeps what it assigned. */
  @Post('assign')
  assign(@Req() req: { raw?: RawRequest } & RawRequest) {
    const raw = req.raw ?? req;
    raw.session = { assigned: true };
    raw.sessionID = 'assigned-id';
    return { session: raw.session, sessionID: raw.sessionID };
  }
}

const firstDatabase = databases[0]!;

/** A gate decision whose save takes a moment: it calls `onSaved`, then asks for `setCookie`. */
function slowSave(setCookie: string, onSaved: () => void): () => Promise<CommitPlan> {
  return () =>
    new Promise((settle) =>
      setTimeout(() => {
        onSaved();
        settle({ vary: true, setCookie });
      }, 25),
    );
}

describe.each(variants().filter((variant) => variant.database === firstDatabase))('request hooks $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant, {
      controllers: [TestController, HooksController],
      imports: [ResponseWrappingModule],
    });
  });
  afterAll(() => t?.close());

  it('another middleware wrapping writeHead and end on the response still runs, and the session is saved first', async () => {
    const res = await request(t.url).get('/modify_session').expect(200);
    expect(res.headers['x-wrapped-head']).toBe('yes');
    // Express sends through end() alone (its header goes out inside Node's end); Fastify calls
    // writeHead() first, so by its end() the headers are sent: the session is saved in Nest's
    // pipeline, before either, and neither call is held.
    if (variant.adapter === 'express') expect(res.headers['x-wrapped-end']).toBe('yes');
    const cookie = sessionCookie(res.headers);
    expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
    expect(res.headers.vary).toMatch(/Cookie/);
    const row = await t.dataSource.getRepository(QSession).findOneBy({ sessionKey: digestSessionKey(cookie!.value) });
    expect(row).not.toBeNull();
  });

  it('a wrapper installed on the response before any middleware runs (server level) still sees the cookie', async () => {
    const server = t.app.getHttpServer() as import('node:http').Server;
    const early = (_req: IncomingMessage, res: ServerResponse) => wrapResponse(res, 'Early');
    server.prependListener('request', early);
    try {
      const res = await request(t.url).get('/modify_session').expect(200);
      expect(res.headers['x-early-head']).toBe('yes');
      const cookie = sessionCookie(res.headers);
      expect(cookie?.value).toMatch(/^[a-z0-9]{32}$/);
      const row = await t.dataSource.getRepository(QSession).findOneBy({ sessionKey: digestSessionKey(cookie!.value) });
      expect(row).not.toBeNull();
    } finally {
      server.removeListener('request', early);
    }
  });

  it('req.sessionID follows the key as express-session does, and req.session stays off Object.keys(req)', async () => {
    const res = await request(t.url).get('/hooks/ids').expect(200);
    const key = sessionCookie(res.headers)!.value;
    expect(res.body).toEqual({ before: null, after: key, id: key, enumerable: false });

    const again = await request(t.url).get('/hooks/ids').set('Cookie', `sessionid=${key}`).expect(200);
    expect(again.body).toEqual({ before: key, after: key, id: key, enumerable: false });
  });

  it('assigning req.session or req.sessionID keeps the assigned values on that request', async () => {
    const res = await request(t.url).post('/hooks/assign').expect(201);
    expect(res.body).toEqual({ session: { assigned: true }, sessionID: 'assigned-id' });
  });
});

describe("light-my-request's response (Fastify inject), which replaces write and end without calling Node's", () => {
  // Through Fastify's inject() itself Jest cannot load light-my-request (an ESM-only dependency
  // it requires), so its response class is driven directly, as inject() drives it.
  it('holds the whole response until the plan is settled, so the payload carries the cookie', async () => {
    // A deep path of a package without types for it: a non-literal specifier keeps tsc out of it.
    const lightResponseModule: string = 'light-my-request/lib/response.js';
    const { default: LightResponse } = (await import(lightResponseModule)) as {
      default: new (
        req: IncomingMessage,
        onEnd: (error: Error | null, payload: { headers: Record<string, unknown>; payload: string }) => void,
      ) => ServerResponse;
    };
    const req = new IncomingMessage(new Socket());
    let saved = false;
    let savedWhenEnded: boolean | undefined;
    const ended = new Promise<{ headers: Record<string, unknown>; payload: string }>((resolve, reject) => {
      const res = new LightResponse(req, (error, payload) => {
        savedWhenEnded = saved;
        if (error) reject(error);
        else resolve(payload);
      });
      gateResponse(
        res,
        slowSave('sessionid=inject', () => (saved = true)),
      );
      res.setHeader('content-type', 'text/plain');
      res.end('held');
    });
    const payload = await ended;
    expect(savedWhenEnded).toBe(true);
    expect(payload.headers['set-cookie']).toBe('sessionid=inject');
    expect(payload.headers.vary).toBe('Cookie');
    expect(payload.payload).toBe('held');
  });
});

describe('request hooks on HTTP/2 (no IncomingMessage, no ServerResponse)', () => {
  let server: http2.Http2Server;
  let url: string;
  const seen: { exposes?: boolean; savedBeforeHeaders?: boolean } = {};

  beforeAll(async () => {
    server = http2.createServer((req, res) => {
      seen.exposes = exposesStateThroughPrototype(req);
      let saved = false;
      gateResponse(
        res as unknown as ServerResponse,
        slowSave('sessionid=h2', () => (saved = true)),
      );
      res.on('finish', () => (seen.savedBeforeHeaders = saved));
      res.setHeader('content-type', 'text/plain');
      res.end('held');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('holds the response on the response object itself until the plan is settled, then adds its headers', async () => {
    const client = http2.connect(url);
    try {
      const stream = client.request({ ':path': '/' });
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      await once(stream, 'end');
      expect(headers['set-cookie']).toEqual(['sessionid=h2']);
      expect(headers.vary).toBe('Cookie');
      expect(body).toBe('held');
      expect(seen.exposes).toBe(false);
      expect(seen.savedBeforeHeaders).toBe(true);
    } finally {
      client.close();
    }
  });
});
