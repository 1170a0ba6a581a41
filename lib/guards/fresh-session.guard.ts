import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { requestOf } from '../http/execution-request.js';
import { SessionService } from '../services/session.service.js';
import { ReauthenticationRequiredException } from './reauthentication-required.exception.js';

/** Metadata key of `@RequireFreshSession()`: how recent, in ms, the proof of identity must be. */
export const FRESH_SESSION_WITHIN = 'qsessions:fresh-session-within';

/**
 * The guard `@RequireFreshSession()` applies: lets the request through only when its session's
 * user proved who they are within the handler's (or else the controller's) limit. Works on a
 * controller's route and on a GraphQL resolver (the request of its context).
 */
@Injectable()
export class FreshSessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const within = this.reflector.getAllAndOverride<number | undefined>(FRESH_SESSION_WITHIN, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (within === undefined) return true;
    // A call with no HTTP request behind it (microservice, WebSocket) has no session: refused.
    const req = requestOf(context);
    if (req && this.sessions.isFresh(req, within)) return true;
    throw new ReauthenticationRequiredException(within, req ? this.sessions.reauthenticatedAt(req) : null);
  }
}
