import type { UserId } from '../session/session-record.js';
import { decodeSessionData, encodeSessionData } from '../session/session-data-codec.js';
import type { ImportSkipReason } from './import-report.js';
import type { LegacySession } from './legacy-session-source.js';

/** How one express-session session is turned into session data of this library. */
export interface ConversionRules {
  /** Now, in epoch milliseconds. */
  now: number;
  /** Reads the owner from the data, as the app's `userIdFromSession` does. */
  userIdFromSession: (data: Readonly<Record<string, unknown>>) => UserId | null | undefined;
  /**
   * The express-session app's `cookie.maxAge` (ms). A session whose `originalMaxAge` differs (a
   * "remember me" session) keeps its own lifetime; without it, no per-session lifetime is kept.
   */
  expressMaxAge: number | undefined;
  /** Largest stored data, as the app's `maxDataBytes`. */
  maxDataBytes: number;
  /** Lifetime given to a session that neither the store nor its cookie gives an expiry. */
  noExpiryLifetime: number;
}

/** What one session becomes: the stored text, expiry and owner, or why it is left behind. */
export type ConvertedSession =
  { ok: true; data: string; expireDate: Date; userId: UserId | null } | { ok: false; reason: ImportSkipReason };

/**
 * Converts one express-session session. Its `cookie` object is not data: it gives the expiry
 * (with the store's own, the earlier wins: the browser drops the cookie at `expires`) and, for a
 * "remember me" session, its own lifetime. The rest becomes the data, under the same rules the
 * app applies when it reads a row (keys that would shadow `req.session`'s methods are dropped).
 */
export function convertExpressSession(session: LegacySession, rules: ConversionRules): ConvertedSession {
  if (session.ended) return { ok: false, reason: 'ended' };
  if (session.storeExpiry && session.storeExpiry.getTime() <= rules.now) return { ok: false, reason: 'expired' };
  const parsed = parsePayload(session.payload);
  if (!parsed) return { ok: false, reason: 'undecodable' };

  const { cookie, ...rest } = parsed;
  const expiry = earliest(session.storeExpiry?.getTime(), cookieExpires(cookie)) ?? rules.now + rules.noExpiryLifetime;
  if (expiry <= rules.now) return { ok: false, reason: 'expired' };

  // The app's own decoder, so that what is stored is exactly what the app will read back.
  const { data } = decodeSessionData(JSON.stringify(rest));
  if (Object.keys(data).length === 0) return { ok: false, reason: 'empty' };
  const text = encodeSessionData(JSON.stringify(data), customMaxAge(cookie, rules.expressMaxAge));
  if (Buffer.byteLength(text) > rules.maxDataBytes) return { ok: false, reason: 'tooLarge' };
  return { ok: true, data: text, expireDate: new Date(expiry), userId: rules.userIdFromSession(data) ?? null };
}

/** The session object from JSON text (or an object a driver already parsed), or null. */
function parsePayload(payload: unknown): Record<string, unknown> | null {
  let value = payload;
  if (typeof payload === 'string') {
    try {
      value = JSON.parse(payload);
    } catch {
      return null;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** express-session's `cookie.expires` (an ISO string once serialised) in epoch ms, or undefined. */
function cookieExpires(cookie: unknown): number | undefined {
  const expires = (cookie as { expires?: unknown } | undefined)?.expires;
  if (typeof expires !== 'string' && !(expires instanceof Date)) return undefined;
  const time = new Date(expires).getTime();
  return Number.isFinite(time) ? time : undefined;
}

/**
 * The per-session lifetime to keep: express-session's `originalMaxAge` when it differs from the
 * app-wide `cookie.maxAge` and fits the codec (at least one second). Compared and kept in whole
 * seconds: express-session derives `originalMaxAge` from `expires - Date.now()`, so a lifetime
 * set as 30 days is often stored a millisecond short, and cookies count in seconds anyway.
 */
function customMaxAge(cookie: unknown, expressMaxAge: number | undefined): number | null {
  const original = (cookie as { originalMaxAge?: unknown } | undefined)?.originalMaxAge;
  if (expressMaxAge === undefined || typeof original !== 'number' || !Number.isFinite(original)) return null;
  // Under the codec's one-second minimum (allowing for the millisecond express-session loses).
  if (original < 999) return null;
  const maxAge = wholeSeconds(original);
  return Number.isSafeInteger(maxAge) && maxAge !== wholeSeconds(expressMaxAge) ? maxAge : null;
}

function wholeSeconds(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}

function earliest(...times: Array<number | undefined>): number | undefined {
  const known = times.filter((time): time is number => time !== undefined);
  return known.length === 0 ? undefined : Math.min(...known);
}
