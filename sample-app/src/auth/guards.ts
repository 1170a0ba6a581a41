import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { SessionService } from 'nest-qsessions';
import { UsersService } from '../users/users.service.js';
import type { User } from '../users/user.entity.js';
import { isValidCsrfToken, sessionUserId, type SampleRequest } from './session-data.js';
import { endedKey } from './sign-out-notices.js';
import { VisitorCsrf } from './visitor-csrf.js';

/**
 * Thrown for a stranger on a page that needs a signed-in user: the filter redirects to /login,
 * saying why this browser was signed out when its cookie's session ended (`ended`, a key of
 * sign-out-notices.ts), since that response clears the cookie and /login can no longer tell.
 */
export class SignInRequiredException extends HttpException {
  constructor(
    readonly next: string,
    readonly ended: string | null = null,
  ) {
    super('Sign in to continue', HttpStatus.UNAUTHORIZED);
  }
}

/** A POST without this session's CSRF token. */
export class CsrfRejectedException extends ForbiddenException {
  constructor() {
    super(
      'This form was not sent from a page of this site, or it has expired. Go back, reload the page and try again.',
    );
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard: every request that can change something (any method but GET, HEAD, OPTIONS)
 * must carry a CSRF token in the `_csrf` form field or the `X-CSRF-Token` header: the signed-in
 * session's synchronizer token, or, for a visitor (the sign-in form), the token of their signed
 * CSRF cookie. A visitor who never saw a form can post nothing.
 *
 * It guards the forms (HTTP routes) only. GraphQL operations are refused earlier, by Apollo's
 * `csrfPrevention`, when another site's page could have sent them (see graphql-api.ts); the
 * `/live` WebSocket checks the handshake's Origin and changes nothing.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly visitors: VisitorCsrf) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<SampleRequest>();
    if (SAFE_METHODS.has(req.method)) return true;
    const body = req.body as Record<string, unknown> | undefined;
    const submitted = body?._csrf ?? req.headers['x-csrf-token'];
    const valid =
      sessionUserId(req.session) !== null
        ? isValidCsrfToken(req.session, submitted)
        : this.visitors.isValid(req, submitted);
    if (!valid) throw new CsrfRejectedException();
    return true;
  }
}

/** Lets only signed-in users through, and puts their `User` on the request. */
@Injectable()
export class SignedInGuard implements CanActivate {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<SampleRequest>();
    const user = await this.users.findById(sessionUserId(req.session));
    if (!user) {
      const next = req.method === 'GET' ? req.originalUrl : '/sessions';
      throw new SignInRequiredException(next, endedKey(this.sessions.sessionEnded(req)));
    }
    req.signedInUser = user;
    return true;
  }
}

/** After SignedInGuard: staff only (403 page for everyone else). */
@Injectable()
export class StaffGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<SampleRequest>();
    if (!req.signedInUser?.isStaff) {
      throw new ForbiddenException('The sessions admin is for staff accounts. Ask an administrator for access.');
    }
    return true;
  }
}

/** The user SignedInGuard found. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): User => {
  const user = context.switchToHttp().getRequest<SampleRequest>().signedInUser;
  if (!user) throw new Error('@CurrentUser() needs SignedInGuard on the route.');
  return user;
});

/**
 * A local path to return to after signing in, or null: only `/something` on this site (never
 * `//host`, `/\host` or a full URL, which would make the login form an open redirect).
 */
export function safeNext(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 512) return null;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return null;
  if (value === '/login' || value.startsWith('/login?') || value === '/logout') return null;
  return value;
}
