import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { sameSecret } from './session-data.js';

/** The cookie that carries a visitor's CSRF token (`<token>.<signature>`). */
export const VISITOR_CSRF_COOKIE = 'sample_csrf';

/**
 * CSRF tokens for visitors who are not signed in (the sign-in form), kept in a cookie of their
 * own, signed with a server secret, and compared with the form field (the double-submit
 * pattern). Nothing goes into a session: showing the form to a stranger stores no row, so a
 * script that keeps loading it cannot fill the sessions table. After sign-in, the session's own
 * token (session-data.ts) takes over.
 */
export class VisitorCsrf {
  private readonly secret: Buffer;

  /** @param secret SAMPLE_CSRF_SECRET, or null for a random one per start (tokens then end with the process). */
  constructor(secret: string | null) {
    this.secret = secret === null ? randomBytes(32) : Buffer.from(secret);
  }

  /** The visitor's token for a form; a new one is set as a cookie when the request has none that is valid. */
  tokenFor(req: Request, res: Response): string {
    const existing = this.verifiedToken(req);
    if (existing) return existing;
    const token = randomBytes(32).toString('base64url');
    res.cookie(VISITOR_CSRF_COOKIE, `${token}.${this.sign(token)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
    });
    return token;
  }

  /** Whether `submitted` is the token of the visitor's signed cookie (constant time). */
  isValid(req: Request, submitted: unknown): boolean {
    const token = this.verifiedToken(req);
    return token !== null && typeof submitted === 'string' && sameSecret(token, submitted);
  }

  private verifiedToken(req: Request): string | null {
    const [token, signature] = (readCookie(req, VISITOR_CSRF_COOKIE) ?? '').split('.');
    if (!token || !signature) return null;
    return sameSecret(this.sign(token), signature) ? token : null;
  }

  private sign(token: string): string {
    return createHmac('sha256', this.secret).update(token).digest('base64url');
  }
}

/** The first cookie of that name in the request (the sample app has no cookie parser). */
function readCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals !== -1 && pair.slice(0, equals).trim() === name) return pair.slice(equals + 1).trim();
  }
  return undefined;
}
