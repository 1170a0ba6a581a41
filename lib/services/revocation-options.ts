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

function describe(value: unknown): string {
  return typeof value === 'string' ? `a string of ${value.length} characters` : typeof value;
}
