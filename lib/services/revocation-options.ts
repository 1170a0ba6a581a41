import type { RevocationReason } from '../events/session-event.js';
import { hasControlCharacters } from '../util/control-characters.js';

/** Options of `SessionService.revoke()`, `revokeById()`, `revokeOthers()` and `revokeAll()`. */
export interface RevocationOptions {
  /**
   * Why the sessions end, carried by the `revoked` event: `'password-changed'`, `'admin'`,
   * `'user-request'`, or the app's own string (1 to 64 characters, no control characters).
   * Default: the method's name (`'revoke'`, `'revoke-others'`, `'revoke-all'`).
   */
  reason?: RevocationReason;
  /**
   * Who ended the sessions, when it was not their owner (an admin's id or name, 1 to 64
   * characters): carried by the `revoked` event and kept in the sign-in history.
   */
  actor?: string | number;
}

const MAX_REASON_LENGTH = 64;

/** The reason given in `options`, or `fallback`; a TypeError that says why for one that is not a reason. */
export function revocationReason(options: RevocationOptions | undefined, fallback: RevocationReason): RevocationReason {
  const reason = options?.reason;
  if (reason === undefined) return fallback;
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new TypeError(
      `nest-qsessions: a revocation reason must be a string of 1 to ${MAX_REASON_LENGTH} characters; got ${describe(reason)}.`,
    );
  }
  if (hasControlCharacters(reason)) {
    throw new TypeError('nest-qsessions: a revocation reason must not hold control characters (line breaks, tabs...).');
  }
  return reason;
}

/** The actor given in `options` as text, or undefined; a TypeError that says why for one that is not usable. */
export function revocationActor(options: RevocationOptions | undefined): string | undefined {
  const actor = options?.actor;
  if (actor === undefined) return undefined;
  const text = typeof actor === 'number' && Number.isFinite(actor) ? String(actor) : actor;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_REASON_LENGTH || hasControlCharacters(text)) {
    throw new TypeError(
      `nest-qsessions: a revocation actor must be a number or a string of 1 to ${MAX_REASON_LENGTH} characters ` +
        `without control characters; got ${describe(actor)}.`,
    );
  }
  return text;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `a string of ${value.length} characters` : typeof value;
}
