import type { ClientDetails } from './client-details.js';
import type { SessionEnd } from './session-history.js';
import { digestSessionKey, generateSessionKey } from './session-key.js';
import { SessionInterruptedError } from './session-errors.js';
import type { SessionRecord } from './session-record.js';
import type { RevocationReason } from '../events/session-event.js';
import type { ResolvedCookieOptions } from '../options/resolved-options.js';
import { RequestSession, type SessionController } from './request-session.js';
import { SessionCookie, type SessionCookieHost } from './session-cookie.js';
import { clearSessionData, decodeSessionDataInto } from './session-data-codec.js';

/** The store operations one request's session needs; implemented by the lifecycle. */
export interface SessionPersistence {
  persist(state: RequestSessionState): Promise<void>;
  /** Deletes the stored session; `reason` is reported to event subscribers when given. */
  remove(state: RequestSessionState, reason?: RevocationReason): Promise<boolean>;
  /** Stores the session under a new key, then deletes the old row. */
  rotate(state: RequestSessionState): Promise<void>;
  load(digest: string): Promise<SessionRecord | null>;
}

/**
 * The request object that shows its session to the app as `session` and `sessionID` (as
 * express-session does), when they are written on the request itself.
 */
export interface SessionHost {
  session?: RequestSession;
  sessionID?: string;
}

/**
 * Everything one request knows about its session: what is stored, what the client sent, and
 * what must happen when the response goes out. It backs `req.session`'s methods.
 */
export class RequestSessionState implements SessionController, SessionCookieHost {
  private key_: string | null = null;
  /** The session as it is in the store right now, as far as this request knows. */
  record: SessionRecord | null = null;
  /** The data text as stored (`{}` for nothing stored). */
  storedData = '{}';
  customMaxAge: number | null = null;
  /** The stored custom lifetime, to notice when the request changes it. */
  storedMaxAge: number | null = null;
  destroyed = false;
  /** The session was ended by a concurrent request during this one: never saved again. */
  interrupted = false;
  touched = false;
  /** The user proved who they are during this request (a sign-in, `markReauthenticated()`): the next write records it. */
  reauthenticated = false;
  /** The session the person chose to end for this sign-in (`login(req, user, { replacing })`). */
  replacing: string | null = null;
  /**
   * Why the session of the request's cookie is gone, when it ended (revoked, evicted, signed out
   * elsewhere, expired and cleared) and the history says so: `@SessionEnded()`.
   */
  ended: SessionEnd | null = null;
  /** A save happened during this request: the cookie must go out with the response. */
  cookieDue = false;
  /** Set when saving failed: the headers every later commit of this request gives, saving nothing. */
  failedCommit: { vary: boolean; setCookie?: string | string[] } | null = null;
  readonly cookie: SessionCookie;
  session: RequestSession;
  // Created on the first explicit operation: most requests never need one.
  private chain: Promise<void> | null = null;
  private pendingOperations = 0;

  constructor(
    /** The request object the app reads `session`/`sessionID` from. */
    private readonly host: SessionHost,
    /** Whether they are written on it (false: the HTTP layer serves them through accessors). */
    private readonly ownProperties: boolean,
    private readonly persistence: SessionPersistence,
    cookieOptions: ResolvedCookieOptions,
    readonly client: ClientDetails,
    readonly secureRequest: boolean,
    /** The request carried a cookie with the session cookie's name (valid or not). */
    readonly cookieSent: boolean,
  ) {
    this.cookie = new SessionCookie(cookieOptions, this);
    this.session = this.attachNewSession();
  }

  /** Adopts a stored session found for the request's cookie key. */
  adopt(key: string, record: SessionRecord): void {
    const maxAge = decodeSessionDataInto(this.session, record.data);
    this.sessionKey = key;
    this.record = record;
    this.storedData = record.data;
    this.customMaxAge = maxAge;
    this.storedMaxAge = maxAge;
  }

  /** The session key of the stored session (or of a new one, once assigned). */
  get sessionKey(): string | null {
    return this.key_;
  }

  set sessionKey(key: string | null) {
    this.key_ = key;
    // express-session's req.sessionID: undefined until the session has a key.
    if (this.ownProperties) this.host.sessionID = key ?? undefined;
  }

  key(): string {
    this.sessionKey ??= generateSessionKey();
    return this.sessionKey;
  }

  publicId(): string {
    return this.record?.digest ?? digestSessionKey(this.key());
  }

  isStored(): boolean {
    return this.record !== null;
  }

  /** Waits for every session operation started so far (explicit saves, regenerations). */
  settled(): Promise<void> {
    return this.chain ?? Promise.resolve();
  }

  /** Whether an explicit operation (save, regenerate...) is still running. */
  hasPendingOperations(): boolean {
    return this.pendingOperations > 0;
  }

  regenerate(): Promise<void> {
    return this.serialize(async () => {
      // A session already ended by a concurrent request is not replaced by a new one: two
      // regenerations of one session (two sign-ins at once) must not both succeed.
      if (this.record && !(await this.persistence.remove(this, 'regenerate'))) {
        this.forgetStoredSession();
        this.interrupted = true;
        throw new SessionInterruptedError();
      }
      this.forgetStoredSession();
      this.attachNewSession();
    });
  }

  destroy(): Promise<void> {
    return this.serialize(async () => {
      if (this.record) await this.persistence.remove(this, 'logout');
      this.forgetStoredSession();
      this.destroyed = true;
      delete this.host.session;
      delete this.host.sessionID;
    });
  }

  /**
   * Moves the session, data included, to a new key (Django's cycle_key): the new row is written
   * first, then the old one deleted, so a failure never leaves the user without a session.
   */
  cycleKey(): Promise<void> {
    return this.serialize(() => this.persistence.rotate(this));
  }

  reload(): Promise<void> {
    return this.serialize(async () => {
      if (!this.record) throw new Error('The session cannot be reloaded: it has not been saved yet.');
      const record = await this.persistence.load(this.record.digest);
      if (!record) throw new Error('The session cannot be reloaded: it no longer exists.');
      const key = this.sessionKey as string;
      // Refreshed in place: a handler's reference (@CurrentSession(), @Session()) stays req.session.
      clearSessionData(this.session);
      this.adopt(key, record);
    });
  }

  save(): Promise<void> {
    return this.serialize(() => this.persistence.persist(this));
  }

  touch(): void {
    this.touched = true;
  }

  /** Runs session operations one after another so that they never interleave. */
  private serialize(operation: () => Promise<void>): Promise<void> {
    this.pendingOperations++;
    const result = (this.chain ?? Promise.resolve()).then(operation).finally(() => this.pendingOperations--);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private forgetStoredSession(): void {
    this.sessionKey = null;
    this.record = null;
    this.storedData = '{}';
    this.customMaxAge = null;
    this.storedMaxAge = null;
    this.cookieDue = false;
    this.touched = false;
  }

  private attachNewSession(): RequestSession {
    const session = new RequestSession(this);
    this.session = session;
    if (this.ownProperties) showOnHost(this.host, session, this.key_ ?? undefined);
    return session;
  }
}

/**
 * `session` and `sessionID` as the host's own properties, kept off `Object.keys(req)` as the
 * HTTP layer's accessors are. Defined once per request and always in the same order, so that
 * requests sharing a hidden class (plain Node requests) share the one that follows too; later
 * changes are plain assignments.
 */
function showOnHost(host: SessionHost, session: RequestSession, sessionID: string | undefined): void {
  if (Object.hasOwn(host, 'session')) {
    host.session = session;
    host.sessionID = sessionID;
    return;
  }
  Object.defineProperty(host, 'session', { value: session, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(host, 'sessionID', { value: sessionID, writable: true, enumerable: false, configurable: true });
}
