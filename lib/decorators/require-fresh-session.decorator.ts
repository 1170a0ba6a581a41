import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { FRESH_SESSION_WITHIN, FreshSessionGuard } from '../guards/fresh-session.guard.js';
import { durationMs, type Duration } from '../util/duration.js';

/** Options of {@link RequireFreshSession}. */
export interface RequireFreshSessionOptions {
  /** How recently the user must have proved who they are: ms, or a string such as `'10m'`. */
  within: Duration;
}

/**
 * Step-up for sensitive actions: the handler (or every handler of the controller) runs only when
 * the session's user proved who they are within `within`: signed in, or confirmed their password
 * or second factor and the app called `SessionService.markReauthenticated(req)`. Otherwise (a
 * stale or anonymous session) it throws {@link ReauthenticationRequiredException} (403). A
 * handler's own limit wins over its controller's.
 *
 * @example
 * ```ts
 * @Post('password')
 * @RequireFreshSession({ within: '10m' })
 * changePassword(@Req() req: object, @Body() body: { password: string }) { ... }
 * ```
 */
export function RequireFreshSession(options: RequireFreshSessionOptions): ClassDecorator & MethodDecorator {
  const within = durationMs(options?.within, '@RequireFreshSession({ within })');
  return applyDecorators(SetMetadata(FRESH_SESSION_WITHIN, within), UseGuards(FreshSessionGuard));
}
