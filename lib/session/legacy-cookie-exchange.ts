import type { ErrorSink } from '../util/warn-once.js';
import type { ResolvedLegacyCookieOptions } from '../options/resolved-options.js';
import { clearLegacyCookie, readCookieValue } from './cookie-policy.js';
import { unsignLegacyCookie } from './legacy-cookie.js';
import { legacySessionDigest } from './legacy-session-id.js';
import type { RequestSessionState } from './request-session-state.js';
import { clearSessionData } from './session-data-codec.js';
import { SessionInterruptedError, SessionStoreUnavailableError, SessionTooLargeError } from './session-errors.js';
import { generateSessionKey } from './session-key.js';
import type { SessionRecord } from './session-record.js';

/** What the exchange needs of the session rules: reading a stored session, and whether it may still be used. */
export interface LegacySessionLookup {
  load(digest: string): Promise<SessionRecord | null>;
  /** False for a session past its absolute lifetime. */
  usable(record: SessionRecord): boolean;
}

/**
 * The exchange of express-session's signed cookie for one of ours (the `legacyCookie` option),
 * created only when that option is set. Before the cut-off, when our own cookie brought no
 * session, a correctly signed old cookie is looked up among the imported sessions; one found is
 * adopted and at once moved to a new key (the sign-in rotation), so the response carries the new
 * cookie and the imported row is gone. Whatever happens, the response deletes the old cookie. A
 * bad signature costs no lookup; after the cut-off the old cookie is not even read.
 */
export class LegacyCookieExchange {
  /** Requests that sent the old cookie before its cut-off: their response deletes it. */
  private readonly sent = new WeakSet<RequestSessionState>();

  constructor(
    private readonly options: ResolvedLegacyCookieOptions,
    private readonly sessions: LegacySessionLookup,
    private readonly maxDataBytes: number,
    private readonly logger: ErrorSink,
    private readonly now: () => number,
  ) {}

  /** Adopts the session of the request's old cookie, if it has one and our cookie brought none. */
  async exchange(cookieHeader: string | undefined, state: RequestSessionState): Promise<void> {
    if (this.now() >= this.options.until) return;
    const value = readCookieValue(cookieHeader, this.options.name);
    if (value === undefined) return;
    this.sent.add(state);
    // Our own cookie wins; the old one is only deleted.
    if (state.record) return;
    const sid = unsignLegacyCookie(value, this.options.secrets);
    if (sid === null) return;
    const record = await this.sessions.load(legacySessionDigest(sid));
    if (!record || !this.sessions.usable(record)) return;
    const bytes = Buffer.byteLength(record.data);
    if (bytes > this.maxDataBytes) {
      // Checked before the rotation deletes the imported row: it stays, unused, until it expires.
      this.logger.error(new SessionTooLargeError(bytes, this.maxDataBytes).message);
      return;
    }
    // The imported row has no key of ours (only a digest): the placeholder is replaced by the rotation.
    state.adopt(generateSessionKey(), record);
    try {
      await state.cycleKey();
    } catch (error) {
      // The request goes on without the session; an interrupted state is never written back.
      clearSessionData(state.session);
      // Exchanged (or revoked) by a concurrent request with the same cookie: that one has the session.
      if (error instanceof SessionInterruptedError) return;
      throw error instanceof SessionStoreUnavailableError ? error : new SessionStoreUnavailableError(error);
    }
  }

  /** The Set-Cookie value that deletes the old cookie, for a request that sent one; else undefined. */
  deletionFor(state: RequestSessionState): string | undefined {
    return this.sent.has(state) ? clearLegacyCookie(this.options, state.secureRequest) : undefined;
  }
}
