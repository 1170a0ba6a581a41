import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { RequestSession } from 'nest-qsessions';
import type { User } from '../users/user.entity.js';
import type { Flash } from '../views/layout.js';

/** An Express request as the sample app sees it: the library's session, and the user the guard found. */
export type SampleRequest = Request & { session?: RequestSession; signedInUser?: User };

/**
 * What the sample app keeps in a session (all of it server-side, in `session_data`):
 * - `userId`: set by `SessionService.login()`, read by the library to record the owner;
 * - `csrfToken`: the synchronizer token every POST form of a signed-in user must send back
 *   (a visitor's token is a signed cookie instead: visitor-csrf.ts);
 * - `flash`: messages for the next page;
 * - `pendingSignIn`: a visitor whose password was right but whose account is at its session
 *   limit (`onSessionLimit: 'refuse'`), while they pick a session to sign out (five minutes).
 */

/** The user id the session was signed in with, or null. */
export function sessionUserId(session: RequestSession | undefined): number | null {
  const id = session?.userId;
  return typeof id === 'number' ? id : null;
}

/** This session's CSRF token, created on first use (a new session gets one when a form is shown). */
export function csrfTokenOf(session: RequestSession): string {
  if (typeof session.csrfToken !== 'string') session.csrfToken = randomBytes(32).toString('base64url');
  return session.csrfToken as string;
}

/** Gives the session a new CSRF token (after sign-in, so a token seen before it is worthless). */
export function rotateCsrfToken(session: RequestSession): string {
  delete session.csrfToken;
  return csrfTokenOf(session);
}

/**
 * Whether `submitted` is this session's CSRF token. Constant time: both sides are hashed to 32
 * bytes first, so neither the length nor the content of the token leaks through timing.
 */
export function isValidCsrfToken(session: RequestSession | undefined, submitted: unknown): boolean {
  const expected = session?.csrfToken;
  if (typeof expected !== 'string' || expected === '' || typeof submitted !== 'string' || submitted === '') {
    return false;
  }
  return sameSecret(expected, submitted);
}

/**
 * Constant-time equality of two secrets of any lengths: both are hashed to 32 bytes first, so
 * neither the length nor the content leaks through timing.
 */
export function sameSecret(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Queues a message for the next page shown to this session. */
export function addFlash(session: RequestSession, kind: Flash['kind'], text: string): void {
  const queued = Array.isArray(session.flash) ? (session.flash as Flash[]) : [];
  session.flash = [...queued, { kind, text }];
}

/** The queued messages, removed from the session. */
export function takeFlash(session: RequestSession | undefined): Flash[] {
  if (!session || !Array.isArray(session.flash)) return [];
  const list = session.flash as Flash[];
  delete session.flash;
  return list;
}

/** How long a sign-in refused at the session limit waits for the person to pick a session to end. */
export const PENDING_SIGN_IN_MS = 5 * 60_000;

/** Who is signing in, kept in the visitor's session while they choose a session to sign out. */
export interface PendingSignIn {
  userId: number;
  /** When the password was checked (ms since the epoch). */
  at: number;
  /** Where to go after signing in (a checked local path), or null. */
  next: string | null;
}

/** Remembers that this visitor proved to be `userId` (the sign-in was refused at the limit). */
export function startPendingSignIn(session: RequestSession, userId: number, next: string | null): void {
  session.pendingSignIn = { userId, at: Date.now(), next } satisfies PendingSignIn;
}

/** The visitor's pending sign-in, or null when there is none, it is malformed or older than five minutes. */
export function pendingSignIn(session: RequestSession | undefined, now = Date.now()): PendingSignIn | null {
  const pending = session?.pendingSignIn as Partial<PendingSignIn> | undefined;
  if (typeof pending !== 'object' || pending === null) return null;
  const { userId, at, next } = pending;
  if (typeof userId !== 'number' || typeof at !== 'number' || !(now - at >= 0 && now - at <= PENDING_SIGN_IN_MS)) {
    return null;
  }
  return { userId, at, next: typeof next === 'string' ? next : null };
}

/** Forgets the pending sign-in (used, abandoned, or replaced by a new attempt). */
export function clearPendingSignIn(session: RequestSession | undefined): void {
  if (session && session.pendingSignIn !== undefined) delete session.pendingSignIn;
}
