import type { UserId } from '../session/session-record.js';

/**
 * Why sessions ended: one of the library's own reasons, or the one an app gave to `revoke()`,
 * `revokeOthers()` or `revokeAll()` (`'password-changed'`, `'admin'`, `'user-request'`, or a
 * string of its own).
 */
export type RevocationReason = BuiltInRevocationReason | (string & {});

/** The reasons the library itself gives, and the ones it names for apps to give. */
export type BuiltInRevocationReason =
  /** `SessionService.logout()` or `req.session.destroy()`. */
  | 'logout'
  /** `req.session.regenerate()` replaced the session (passport does this at login and logout). */
  | 'regenerate'
  /** `SessionService.revoke()`. */
  | 'revoke'
  /** `SessionService.revokeOthers()`. */
  | 'revoke-others'
  /** `SessionService.revokeAll()`. */
  | 'revoke-all'
  /** The user was deleted through TypeORM. */
  | 'user-deleted'
  /** `SessionService.clearExpired()` purged expired sessions. */
  | 'expired'
  /** `maxSessionsPerUser`: a sign-in ended these to stay within the limit (or the one chosen with `replacing`). */
  | 'limit'
  /** The app's: other sessions signed out after a password change. */
  | 'password-changed'
  /** The app's: the person ended the session themselves (a sessions page). */
  | 'user-request'
  /** The app's: staff ended the session. */
  | 'admin'
  /** `SessionService.eraseUserData()` deleted everything kept about the user. */
  | 'erased'
  /** A "This wasn't me" link (`SessionService.revokeByToken()`). */
  | 'revoke-link';

/** What every event says about the client (never the session key). */
interface SessionEventBase {
  /** When it happened. */
  at: Date;
  /** The owner, when known. */
  userId: UserId | null;
}

/** A new session was stored (first save of an anonymous or signed-in session). */
export interface SessionCreatedEvent extends SessionEventBase {
  type: 'created';
  /** Public id of the new session. */
  id: string;
  ip: string | null;
  userAgent: string | null;
}

/** A session moved to a new key, keeping its data: a sign-in (`SessionService.login()`). */
export interface SessionRotatedEvent extends SessionEventBase {
  type: 'rotated';
  /** Public id of the session under its new key. */
  id: string;
  /** Public id it had before, or null when it had never been stored. */
  previousId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/**
 * A user signed in: their id is now on this session, whichever way it got there (`login()`,
 * passport, a handler setting the user id). With the `history` option it says whether the
 * device or the place was new to the user, for "new sign-in" alerts.
 */
export interface SessionSignedInEvent extends SessionEventBase {
  type: 'signed-in';
  /** Public id of the signed-in session. */
  id: string;
  userId: UserId;
  ip: string | null;
  userAgent: string | null;
  /**
   * No sign-in of the user within `history.retainDays` had this browser, OS and device type
   * (false for the first one). Null without the `history` option, or when it could not be read.
   */
  newDevice: boolean | null;
  /**
   * No sign-in of the user within `history.retainDays` came from this country and city (false
   * when either side's location is unknown). Null without the `history` option.
   */
  newLocation: boolean | null;
  /** The device as compared ("Chrome on macOS"), or null without the `history` option. */
  device: string | null;
  /** The location as compared ("Berlin, Germany"), or null when unknown or without the `history` option. */
  location: string | null;
}

/** Sessions ended. */
export interface SessionRevokedEvent extends SessionEventBase {
  type: 'revoked';
  /** Public ids of the sessions that ended. */
  ids: string[];
  reason: RevocationReason;
  /** Who ended them, when the app said (`RevocationOptions.actor`). */
  actor?: string;
}

/**
 * Something that happened to sessions: subscribe to `SessionService.events` for audits,
 * "new sign-in" alerts or metrics. Events never carry a session key.
 */
export type SessionEvent = SessionCreatedEvent | SessionRotatedEvent | SessionSignedInEvent | SessionRevokedEvent;
