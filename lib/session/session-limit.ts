import type { SessionRecord } from './session-record.js';

/** What a sign-in does at the `maxSessionsPerUser` limit (see the `onSessionLimit` option). */
export type SessionLimitPolicy = 'evict-least-recent' | 'evict-oldest' | 'refuse';

/** The per-user cap a sign-in is held to. */
export interface SessionLimit {
  max: number;
  policy: SessionLimitPolicy;
  /** A session of the user the person chose to end for this sign-in (`login(req, user, { replacing })`). */
  replacing: string | null;
}

/** What a sign-in under the cap leads to. */
export interface SessionLimitDecision {
  /** Sessions to end: evicted ones, the replaced one, or the new one itself when it lost. */
  end: string[];
  /** Under `'refuse'`, when the new session does not fit: the user's other sessions. */
  refused: SessionRecord[] | null;
}

/**
 * Decides which sessions end after a sign-in wrote its session `own`, from the user's live
 * sessions as read after that write. No database lock is taken: each sign-in writes first and
 * decides after, so whatever the interleaving of sign-ins on any number of processes, at most
 * `max` are left (docs/how-it-works.md proves it). The evicting policies keep the `max` most
 * recently used (or most recently signed in), by one total order every process shares, which may
 * keep a concurrent sign-in rather than `own`. `'refuse'` turns the sign-in away whenever it sees
 * more than `max` (its own row included), and the refused sign-in ends only itself. The replaced
 * session does not count, and ends only when the new one stays.
 */
export function settleSessionLimit(
  live: readonly SessionRecord[],
  own: string,
  limit: SessionLimit,
): SessionLimitDecision {
  const replaced =
    limit.replacing !== null && limit.replacing !== own && live.some((r) => r.digest === limit.replacing);
  const counted = replaced ? live.filter((record) => record.digest !== limit.replacing) : [...live];
  const replacedEnd = replaced ? [limit.replacing!] : [];
  if (counted.length <= limit.max) return { end: replacedEnd, refused: null };
  if (limit.policy === 'refuse') {
    return { end: [own], refused: live.filter((record) => record.digest !== own) };
  }
  const newestFirst = limit.policy === 'evict-oldest' ? byCreation : byUse;
  const ended = counted
    .sort(newestFirst)
    .reverse()
    .slice(limit.max)
    .map((record) => record.digest);
  return { end: [...replacedEnd, ...ended], refused: null };
}

/** Oldest sign-in first; the digest breaks ties, so that every process orders alike. */
function byCreation(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || compare(a.digest, b.digest);
}

/** Least recently used first, ties as above. */
function byUse(a: SessionRecord, b: SessionRecord): number {
  return a.updatedAt.getTime() - b.updatedAt.getTime() || compare(a.digest, b.digest);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
