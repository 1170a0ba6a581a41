import { ConflictException } from '@nestjs/common';
import type { SessionView } from './session-view.js';

/**
 * Thrown by `SessionService.login()` when the user already has `maxSessionsPerUser` live sessions
 * and `onSessionLimit` is `'refuse'`: nothing was signed in. A 409 if left uncaught (its body
 * says `reason: 'session-limit'`, without the sessions). `sessions` lists the user's sessions as
 * `list()` shows them, so that the person can pick one to end; sign in again with
 * `login(req, user, { replacing: id })` to end it and sign in at once.
 */
export class SessionLimitError extends ConflictException {
  /** The user's live sessions, most recently active first. */
  readonly sessions: SessionView[];
  /** The configured `maxSessionsPerUser`. */
  readonly limit: number;

  constructor(limit: number, sessions: SessionView[], options?: { cause?: unknown }) {
    super(
      {
        statusCode: 409,
        error: 'Conflict',
        message: `This account already has ${limit} active session${limit === 1 ? '' : 's'}, the most allowed; sign out of one to sign in here.`,
        reason: 'session-limit',
        limit,
      },
      options,
    );
    this.name = 'SessionLimitError';
    this.limit = limit;
    this.sessions = sessions;
  }
}
