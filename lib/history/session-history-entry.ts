import type { SessionHistoryEvent } from '../session/session-history.js';
import type { UserId } from '../session/session-record.js';

/** One entry of a user's sign-in history, as `SessionService.history()` gives it. */
export interface SessionHistoryEntry {
  /** The entry's own id (order of writing). */
  id: number;
  userId: UserId;
  /** Public id of the session it is about (as `list()` showed it). */
  sessionId: string;
  /** `signed-in`, `signed-out`, `revoked`, `evicted` (`maxSessionsPerUser`) or `expired`. */
  event: SessionHistoryEvent;
  /** Why the session ended (`logout`, `revoke`, `password-changed`, the app's own...), null for a sign-in. */
  reason: string | null;
  /** Who ended it, when the app said (`RevocationOptions.actor`), else null. */
  actor: string | null;
  at: Date;
  /** The address at that moment (after `privacy.ip`). */
  ip: string | null;
  userAgent: string | null;
  /** One-line device summary at that moment ("Chrome on macOS"). */
  device: string;
  /** "City, Country" at that moment, or null. */
  location: string | null;
  /** On a sign-in, whether its device was new to the user; null otherwise. */
  newDevice: boolean | null;
  /** On a sign-in, whether its location was new to the user; null otherwise. */
  newLocation: boolean | null;
}

/** Options of `SessionService.history()`. */
export interface HistoryQuery {
  /** Entries per page, 1 to 100. Default 20. */
  limit?: number;
  /** The `next` cursor of the previous page, for the entries older than it. */
  before?: string | null;
}

/** One page of a user's history, newest first. */
export interface SessionHistoryPage {
  entries: SessionHistoryEntry[];
  /** Cursor of the next (older) page for `history(user, { before: next })`, or null on the last page. */
  next: string | null;
}
