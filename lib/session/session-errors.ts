import type { SessionRecord } from './session-record.js';

/**
 * The session was deleted (revoked, signed out elsewhere, expired and purged) while a request
 * that modified it was in flight. Its changes are dropped rather than bringing it back.
 */
export class SessionInterruptedError extends Error {
  constructor() {
    super(
      "The request's session was ended before the request completed (it may have been signed out in a " +
        'concurrent request); its changes were not saved.',
    );
    this.name = 'SessionInterruptedError';
  }
}

/** The session data is larger than `maxDataBytes` allows. */
export class SessionTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `nest-qsessions: the session data is ${bytes} bytes of JSON, more than the ${limit} allowed; keep large ` +
        'data in your own tables and only ids in the session, or raise `maxDataBytes`.',
    );
    this.name = 'SessionTooLargeError';
  }
}

/** The session store (database) could not be reached or failed. */
export class SessionStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The session store is unavailable; try again shortly.', { cause });
    this.name = 'SessionStoreUnavailableError';
  }
}

/**
 * A sign-in found its user at `maxSessionsPerUser` under `onSessionLimit: 'refuse'`; nothing was
 * signed in. `sessions` are the user's live sessions.
 */
export class SessionLimitReachedError extends Error {
  constructor(
    readonly limit: number,
    readonly sessions: readonly SessionRecord[],
  ) {
    super(
      `This account already has ${limit} active session${limit === 1 ? '' : 's'}, the most allowed; ` +
        'sign out of one to sign in here.',
    );
    this.name = 'SessionLimitReachedError';
  }
}
