import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import request from 'supertest';

/** express-session's `secret` in the legacy apps (the first signs; both are accepted there). */
export const LEGACY_SECRETS = ['legacy-secret-current', 'legacy-secret-previous'];
/** The legacy app's `cookie.maxAge`: one day. */
export const LEGACY_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** A "remember me" lifetime set on one session: thirty days. */
export const REMEMBER_MS = 30 * 24 * 60 * 60 * 1000;

/** A running express-session app, as the one nest-qsessions replaces. */
export interface LegacyApp {
  url: string;
  /**
   * Signs in through the app, as its login route would: `style: 'userId'` stores
   * `req.session.userId`, `'passport'` stores `req.session.passport.user` (what passport's
   * serializeUser keeps). Resolves to the raw `connect.sid` cookie value the browser holds.
   */
  login(
    userId: number,
    options?: { style?: 'userId' | 'passport'; data?: object; remember?: boolean },
  ): Promise<string>;
  /** Stores data in a session without a user; resolves to its cookie value. */
  anonymous(data: object): Promise<string>;
  /** What the app itself reads for that cookie (null: no session). */
  read(cookie: string): Promise<Record<string, unknown> | null>;
  close(): Promise<void>;
}

/**
 * A small Express app on express-session 1.19 with the given store (connect-redis,
 * connect-pg-simple or connect-typeorm), listening on a free loopback port.
 */
export async function startLegacyApp(store: session.Store): Promise<LegacyApp> {
  const app = express();
  app.use(express.json());
  app.use(
    session({
      store,
      secret: LEGACY_SECRETS,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: LEGACY_MAX_AGE_MS, httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.post('/login', (req, res, next) => {
    const { userId, style, data, remember } = req.body as {
      userId: number;
      style: 'userId' | 'passport';
      data?: object;
      remember?: boolean;
    };
    // As a login route does: a new session id against fixation, then the user.
    req.session.regenerate((error) => {
      if (error) return next(error);
      const target = req.session as unknown as Record<string, unknown>;
      if (style === 'passport') target.passport = { user: userId };
      else target.userId = userId;
      Object.assign(target, data ?? {});
      if (remember) req.session.cookie.maxAge = REMEMBER_MS;
      req.session.save((saveError) => (saveError ? next(saveError) : res.json({ ok: true })));
    });
  });
  app.post('/anonymous', (req, res) => {
    Object.assign(req.session, req.body as object);
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => {
    const { cookie: _cookie, ...data } = req.session as unknown as Record<string, unknown>;
    res.json(Object.keys(data).length === 0 ? null : data);
  });

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const cookieOf = (headers: Record<string, unknown>): string => {
    const line = ([] as string[])
      .concat((headers['set-cookie'] as string[] | string | undefined) ?? [])
      .find((value) => value.startsWith('connect.sid='));
    if (!line) throw new Error('The legacy app set no connect.sid cookie');
    return line.slice('connect.sid='.length).split(';')[0]!;
  };

  return {
    url,
    async login(userId, options = {}) {
      const res = await request(url)
        .post('/login')
        .send({ userId, style: options.style ?? 'userId', data: options.data, remember: options.remember })
        .expect(200);
      return cookieOf(res.headers);
    },
    async anonymous(data) {
      return cookieOf((await request(url).post('/anonymous').send(data).expect(200)).headers);
    },
    async read(cookie) {
      const res = await request(url).get('/me').set('Cookie', `connect.sid=${cookie}`).expect(200);
      return res.body as Record<string, unknown> | null;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The session id inside a raw `connect.sid` value (`s%3A<sid>.<signature>`). Test-only: ids are secrets. */
export function sidOf(cookie: string): string {
  const value = decodeURIComponent(cookie);
  return value.slice(2, value.lastIndexOf('.'));
}
