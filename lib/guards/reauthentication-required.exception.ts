import { ForbiddenException } from '@nestjs/common';

/**
 * Thrown by `@RequireFreshSession()` when the user has not proved who they are recently enough
 * (or is not signed in): a 403 whose body says so with `reason: 'reauthentication-required'`.
 * Catch it in an exception filter to show a password prompt, then call
 * `SessionService.markReauthenticated(req)` once the password checks out.
 */
export class ReauthenticationRequiredException extends ForbiddenException {
  /** How recent the proof had to be, in milliseconds. */
  readonly within: number;
  /** When the user last proved who they are on this session, or null (never, or not signed in). */
  readonly reauthenticatedAt: Date | null;

  constructor(within: number, reauthenticatedAt: Date | null) {
    super({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Confirm who you are to continue.',
      reason: 'reauthentication-required',
      within,
    });
    this.name = 'ReauthenticationRequiredException';
    this.within = within;
    this.reauthenticatedAt = reauthenticatedAt;
  }
}
