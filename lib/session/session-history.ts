import type { SessionRecord } from './session-record.js';

/** What a history entry says happened to a session. */
export type SessionHistoryEvent = 'signed-in' | 'signed-out' | 'revoked' | 'evicted' | 'expired';

/** What is left of a session that ended, as far as its history entry needs. */
export type EndedSession = Pick<SessionRecord, 'digest' | 'userId' | 'ip' | 'userAgent' | 'clientHints'>;

/**
 * What a sign-in had that the user's earlier sign-ins (within `history.retainDays`) did not.
 * Deterministic: a user's first sign-in in the window is new in nothing, and a location is new
 * only when both it and at least one earlier sign-in's location are known.
 */
export interface SignInNovelty {
  /** No earlier sign-in had this browser, OS and device type. */
  newDevice: boolean;
  /** No earlier sign-in came from this country and city. */
  newLocation: boolean;
  /** The sign-in's device, as compared ("Chrome on macOS"). */
  device: string;
  /** The sign-in's location, as compared ("Berlin, Germany"), or null when unknown. */
  location: string | null;
}

/** Why and when a session ended, as the next request with its cookie learns it (`@SessionEnded()`). */
export interface SessionEnd {
  /** The revocation reason (`'revoke'`, `'limit'`, `'password-changed'`, `'logout'`, `'expired'`...). */
  reason: string;
  /** When it ended. */
  at: Date;
}

/** Why and by whom sessions ended, for their history entries. */
export interface EndingDetails {
  event: Exclude<SessionHistoryEvent, 'signed-in'>;
  reason: string;
  actor?: string | null;
}

/**
 * The port through which the session rules record sign-in history (the `history` option). The
 * session change is already stored when it is called: no method rejects; a history that fails
 * is logged and never undoes the change nor fails the request.
 */
export interface SessionHistoryRecorder {
  /** Records a sign-in; resolves to what was new about it, or null when the history failed. */
  signedIn(record: SessionRecord): Promise<SignInNovelty | null>;
  /** Records sessions that ended (those without a user are skipped: history is per user). */
  ended(sessions: readonly EndedSession[], details: EndingDetails): Promise<void>;
  /** When and why the session `digest` ended, when the history says so (null when unknown or unreadable). */
  endOf(digest: string): Promise<SessionEnd | null>;
}
