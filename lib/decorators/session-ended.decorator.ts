import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestOf } from '../http/execution-request.js';
import { getRequestState } from '../http/request-state.js';
import type { SessionEnd } from '../session/session-history.js';

/**
 * Why the session of the request's cookie ended, when the request came with the cookie of a
 * session that is gone and the sign-in history (the `history` option) says why: `{ reason, at }`
 * (`reason` as on the `revoked` event: `'revoke'`, `'revoke-others'`, `'limit'`,
 * `'password-changed'`, `'expired'` once `clearExpired()` recorded it...). Undefined otherwise,
 * and always without the `history` option. Only a cookie shaped like a session key is looked up.
 *
 * @example
 * ```ts
 * @Get('login')
 * form(@SessionEnded() ended?: SessionEnd) {
 *   return { notice: ended && ended.reason !== 'logout' ? 'You were signed out on another device.' : null };
 * }
 * ```
 */
export const SessionEnded = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SessionEnd | undefined =>
    getRequestState(requestOf(context))?.ended ?? undefined,
);
