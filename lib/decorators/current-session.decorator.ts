import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestOf } from '../http/execution-request.js';
import { getRequestState } from '../http/request-state.js';
import type { RequestSession } from '../session/request-session.js';

/**
 * The current request's session (`req.session`): its data as properties, plus express-session's
 * methods. Works the same on Express and Fastify. Undefined after `req.session.destroy()`.
 *
 * @example
 * ```ts
 * @Post('cart')
 * add(@CurrentSession() session: RequestSession, @Body() item: Item) {
 *   session.cart = [...((session.cart as Item[]) ?? []), item];
 * }
 * ```
 */
export const CurrentSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestSession | undefined => {
    const state = getRequestState(requestOf(context));
    return state && !state.destroyed ? state.session : undefined;
  },
);

/**
 * The public id of the current session (the SHA-256 of its key, as `SessionService.list()`
 * shows it), or undefined when the session is not stored (yet).
 *
 * @example
 * ```ts
 * @Get('sessions')
 * list(@CurrentUser() user: User, @CurrentSessionId() current?: string) { ... }
 * ```
 */
export const CurrentSessionId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined => {
    const state = getRequestState(requestOf(context));
    return state?.record?.digest;
  },
);
