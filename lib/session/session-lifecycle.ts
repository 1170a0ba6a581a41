import type { ErrorSink } from '../util/warn-once.js';
import type { RevocationReason } from '../events/session-event.js';
import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedQSessionsOptions } from '../options/resolved-options.js';
import type { ClientDetails } from './client-details.js';
import { clearSessionCookie, readCookieValues, sessionSetCookie } from './cookie-policy.js';
import { LegacyCookieExchange } from './legacy-cookie-exchange.js';
import { RequestSessionState, type SessionHost, type SessionPersistence } from './request-session-state.js';
import { encodeSessionData } from './session-data-codec.js';
import {
  SessionInterruptedError,
  SessionLimitReachedError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
} from './session-errors.js';
import { settleSessionLimit } from './session-limit.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { digestSessionKey, generateSessionKey, isWellFormedSessionKey } from './session-key.js';
import type { SessionRecord, UserId } from './session-record.js';
import { DuplicateSessionError, type SessionStore } from './session-store.js';
import type { SessionEnd, SessionHistoryRecorder } from './session-history.js';
import { clientHintsToStore } from './stored-client-hints.js';
import { NO_SESSION_TELEMETRY, type SessionTelemetry } from './session-telemetry.js';

/** What the session rules read from a request; the HTTP layer takes it off Node's request. */
export interface SessionRequestInput {
  /** The request's Cookie header, if it has one. */
  cookieHeader: string | undefined;
  /** Who sent the request. */
  client: ClientDetails;
  /** Whether the session cookie gets `Secure` on this request. */
  secure: boolean;
}

/** What the response must carry once the session is settled. */
export interface CommitPlan {
  /** Set-Cookie values to add: the session cookie or its deletion, and the old express-session cookie's deletion. */
  setCookie?: string | string[];
  /** Add `Vary: Cookie` (the response depends on the session). */
  vary: boolean;
  /** Send this error instead of the response the app produced. */
  replace?: CommitReplacement;
}

/** The error response a failed save calls for (400, 500 or 503). */
export interface CommitReplacement {
  status: number;
  error: string;
  message: string;
  /** What failed: one of the errors of session-errors.ts, or an unexpected one. */
  cause?: unknown;
}

const KEY_ATTEMPTS = 3;
/** Most session cookies of one request looked up (see open()). */
const MAX_COOKIE_LOOKUPS = 3;

/**
 * The session rules of one request, from the cookie in to the cookie out: Django's session
 * middleware with qsessions' IP/User-Agent tracking. Framework-free: the HTTP layer hands it what
 * it read off the request (SessionRequestInput) and applies the CommitPlan it returns, so that
 * Express and Fastify behave the same.
 */
export class SessionLifecycle implements SessionPersistence {
  /** Sign-ins under `maxSessionsPerUser`, one per user at a time. */
  private readonly signIns = new KeyedMutex();
  /** Only when the `legacyCookie` option is set. */
  private readonly legacy: LegacyCookieExchange | null;

  constructor(
    private readonly store: SessionStore,
    private readonly options: ResolvedQSessionsOptions,
    private readonly logger: ErrorSink,
    private readonly events: SessionEvents,
    private readonly now: () => number = Date.now,
    /** The sign-in history (`history` option), or null when it is off. */
    private readonly history: SessionHistoryRecorder | null = null,
    /** Where sessions found past their end are reported (metrics). */
    private readonly telemetry: SessionTelemetry = NO_SESSION_TELEMETRY,
  ) {
    const lookup = {
      load: (digest: string) => this.load(digest),
      usable: (record: SessionRecord) => this.usable(record),
    };
    this.legacy = options.legacyCookie
      ? new LegacyCookieExchange(options.legacyCookie, lookup, options.maxDataBytes, logger, now)
      : null;
  }

  /**
   * Opens the request's session. Only a cookie shaped like one of our keys causes a store lookup;
   * an unknown or expired key gives a new, empty session (the client's key is never adopted).
   * `host` is the request object that shows the session as `session`/`sessionID`; `ownProperties`
   * says whether they are written on it or served by the HTTP layer's accessors.
   */
  async open(request: SessionRequestInput, host: SessionHost, ownProperties: boolean): Promise<RequestSessionState> {
    const cookieValues = readCookieValues(request.cookieHeader, this.options.cookie.name);
    const state = new RequestSessionState(
      host,
      ownProperties,
      this,
      this.options.cookie,
      request.client,
      request.secure,
      cookieValues.length > 0,
    );
    // Usually one value. Several arrive when cookies of that name differ by path or domain (a
    // sibling subdomain can set one): each well-formed one is tried, a few at most, so that a
    // stray cookie can neither hide the session nor buy many lookups.
    let lookups = 0;
    let missing: string | null = null;
    for (const value of cookieValues) {
      if (!isWellFormedSessionKey(value)) continue;
      const digest = digestSessionKey(value);
      const record = await this.load(digest);
      if (record && this.usable(record)) {
        state.adopt(value, record);
        missing = null;
        break;
      }
      if (record) this.telemetry.sessionExpired();
      missing ??= digest;
      if (++lookups === MAX_COOKIE_LOOKUPS) break;
    }
    // A cookie of ours whose session is gone: the history may say why (only for such a cookie).
    if (missing !== null && this.history) state.ended = await this.history.endOf(missing);
    // Checked here so that apps without the option pay no extra await per request.
    if (this.legacy) await this.legacy.exchange(request.cookieHeader, state);
    return state;
  }

  async load(digest: string): Promise<SessionRecord | null> {
    try {
      return await this.store.get(digest);
    } catch (error) {
      throw new SessionStoreUnavailableError(error);
    }
  }

  /**
   * Decides what the response carries. Synchronous when nothing needs storing (the common read),
   * a Promise when the session must be saved or deleted first. Called once Nest's handler has
   * returned (SessionCommitInterceptor) and again at the response's first byte (the gate): the
   * second call finds nothing left to save unless the session changed in between.
   */
  commit(state: RequestSessionState, status: number): CommitPlan | Promise<CommitPlan> {
    // A save already failed (in Nest's pipeline): the error response it led to tries no other.
    // Explicit saves or regenerations still running finish first.
    const plan =
      state.failedCommit ??
      (state.hasPendingOperations() ? state.settled().then(() => this.plan(state, status)) : this.plan(state, status));
    const deletion = this.legacy?.deletionFor(state);
    if (deletion === undefined) return plan;
    return plan instanceof Promise
      ? plan.then((settled) => withSetCookie(settled, deletion))
      : withSetCookie(plan, deletion);
  }

  private plan(state: RequestSessionState, status: number): CommitPlan | Promise<CommitPlan> {
    const vary = state.cookieSent || state.cookieDue || state.record !== null;
    // Destroyed, or ended by a concurrent request while this one ran: nothing is written back.
    if (state.destroyed || state.interrupted) {
      return { vary, setCookie: state.cookieSent ? this.clearCookie(state) : undefined };
    }

    const json = JSON.stringify(state.session);
    // An empty session is never stored, nor, with `storeAnonymous: false`, one without a user.
    if (json === '{}' || this.unstorable(state)) return this.dropStored(state, vary, status);
    if (status >= 500) return { vary, setCookie: state.cookieDue ? this.sessionCookie(state) : undefined };

    const dataChanged =
      encodeSessionData(json, state.customMaxAge) !== state.storedData || state.customMaxAge !== state.storedMaxAge;
    const needsSave = state.record === null || dataChanged || this.dueForSave(state, state.record);
    if (!needsSave) return { vary: true, setCookie: state.cookieDue ? this.sessionCookie(state) : undefined };
    return this.persist(state, json).then(
      () => ({ vary: true, setCookie: this.sessionCookie(state) }),
      (error: unknown) => this.failure(state, error, dataChanged),
    );
  }

  /** Whether a stored session whose data did not change is written all the same. */
  private dueForSave(state: RequestSessionState, record: SessionRecord): boolean {
    return (
      state.touched ||
      // Once per request: not again after a save in Nest's pipeline (or an explicit save()).
      (this.options.saveEveryRequest && !state.cookieDue) ||
      record.ip !== state.client.ip ||
      record.userAgent !== state.client.userAgent ||
      // New Client Hints (an OS update, hints seen for the first time) are recorded as a changed
      // User-Agent is; a request that sends none changes nothing (see clientHintsToStore).
      clientHintsToStore(record, state.client) !== record.clientHints ||
      // "Last active" and the sliding expiry move forward at most once per interval, so a
      // session in constant use is written once per interval, not once per request.
      this.now() - record.updatedAt.getTime() >= this.options.activityInterval
    );
  }

  /** A session without a user, when those are not stored (`storeAnonymous: false`). */
  private unstorable(state: RequestSessionState): boolean {
    return !this.options.storeAnonymous && (this.options.userIdFromSession(state.session) ?? null) === null;
  }

  /** The plan for a session that must not be stored: a stored one is deleted, its cookie cleared. */
  private dropStored(state: RequestSessionState, vary: boolean, status: number): CommitPlan | Promise<CommitPlan> {
    if (state.record && status < 500) {
      return this.remove(state).then(
        () => ({ vary: true, setCookie: this.clearCookie(state) }),
        (error: unknown) => this.failure(state, error, true),
      );
    }
    return { vary, setCookie: state.cookieSent && !state.record ? this.clearCookie(state) : undefined };
  }

  /** Saves the session: a new row under a fresh key, or an update of the row it came from. */
  async persist(state: RequestSessionState, json = JSON.stringify(state.session)): Promise<void> {
    if (await this.write(state, json)) this.announce(state, 'created', null);
  }

  /** Moves the session to a new key (sign-in): the new row first, then the old one goes. */
  async rotate(state: RequestSessionState): Promise<void> {
    const previous = state.record;
    // The old row is claimed (deleted) before the new one exists: of two requests rotating the
    // same session at once, only the one whose delete took the row goes on, so one sign-in
    // never leaves two live keys behind.
    if (previous && (await this.store.delete([previous.digest])) === 0) {
      state.record = null;
      state.interrupted = true;
      throw new SessionInterruptedError();
    }
    state.sessionKey = null;
    state.record = null;
    state.storedData = '{}';
    await this.write(state, JSON.stringify(state.session), previous);
    // Nothing was stored for a session without a user under `storeAnonymous: false`.
    if (state.record) this.announce(state, 'rotated', previous?.digest ?? null);
  }

  /** Writes the session (`previous`: the row it replaces, on a rotation); resolves to true when a new row was created. */
  private async write(
    state: RequestSessionState,
    json: string,
    previous: SessionRecord | null = null,
  ): Promise<boolean> {
    const userId = this.options.userIdFromSession(state.session) ?? null;
    // Not stored (`storeAnonymous: false`): an explicit save() is a no-op, and the response's
    // plan deletes a stored row that lost its user.
    if (userId === null && !this.options.storeAnonymous) return false;
    const data = encodeSessionData(json, state.customMaxAge);
    const bytes = Buffer.byteLength(data);
    if (bytes > this.options.maxDataBytes) throw new SessionTooLargeError(bytes, this.options.maxDataBytes);
    const now = this.now();
    const fields = {
      data,
      userId,
      ip: state.client.ip,
      userAgent: state.client.userAgent,
      clientHints: clientHintsToStore(state.record ?? previous, state.client),
      expireDate: this.expiryFrom(now, state.customMaxAge, userId, state.record?.createdAt.getTime() ?? now),
      updatedAt: new Date(now),
      reauthenticatedAt: this.reauthenticatedAt(state, state.record ?? previous, userId, now),
    };
    const before = state.record ?? previous;
    const signIn = isSignIn(before, userId);
    const created = state.record === null;
    if (signIn && this.options.maxSessionsPerUser !== null) {
      // One sign-in of a user at a time in this process: the cap then never turns away a sign-in
      // because of another one of this process still deciding (see settleSessionLimit).
      await this.signIns.run(String(userId), async () => {
        await this.writeRow(state, fields, now);
        await this.enforceSessionLimit(state, userId!);
      });
    } else {
      await this.writeRow(state, fields, now);
    }
    state.reauthenticated = false;
    state.storedData = data;
    state.storedMaxAge = state.customMaxAge;
    state.touched = false;
    state.cookieDue = true;
    await this.recordUserChange(before, state.record!, signIn);
    return created;
  }

  /** The history and the events of a write that changed the session's user. */
  private async recordUserChange(before: SessionRecord | null, after: SessionRecord, signIn: boolean): Promise<void> {
    // The session's previous user left it (signed out, or replaced by another user's sign-in).
    if (before !== null && before.userId !== null && String(before.userId) !== String(after.userId)) {
      await this.history?.ended([before], { event: 'signed-out', reason: 'logout' });
    }
    if (signIn) await this.announceSignIn(after);
  }

  /** The `signed-in` event, after the sign-in is recorded in the history (which tells what was new). */
  private async announceSignIn(record: SessionRecord): Promise<void> {
    const novelty = this.history ? await this.history.signedIn(record) : null;
    this.events.emit({
      type: 'signed-in',
      at: record.updatedAt,
      id: record.digest,
      userId: record.userId!,
      ip: record.ip,
      userAgent: record.userAgent,
      newDevice: novelty?.newDevice ?? null,
      newLocation: novelty?.newLocation ?? null,
      device: novelty?.device ?? null,
      location: novelty?.location ?? null,
    });
  }

  /** Updates the session's row, or creates it under a fresh key. */
  private async writeRow(
    state: RequestSessionState,
    fields: Omit<SessionRecord, 'digest' | 'createdAt' | 'label'>,
    now: number,
  ): Promise<void> {
    if (state.record) {
      const record = { ...state.record, ...fields };
      if (!(await this.store.update(record))) throw new SessionInterruptedError();
      state.record = record;
    } else {
      // A label names one session: a new sign-in starts without one.
      state.record = await this.createWithFreshKey(state, { ...fields, createdAt: new Date(now), label: null });
    }
  }

  /**
   * When the session's user last proved who they are: now when they did during this request, or
   * when the user is new to the session (a sign-in, however it came: `login()`, passport's
   * regenerate, a handler setting the user id); otherwise what the row says. Null without a user.
   */
  private reauthenticatedAt(
    state: RequestSessionState,
    before: SessionRecord | null,
    userId: UserId | null,
    now: number,
  ): Date | null {
    if (userId === null) return null;
    return state.reauthenticated || isSignIn(before, userId) ? new Date(now) : before!.reauthenticatedAt;
  }

  /**
   * Holds a sign-in to `maxSessionsPerUser`, after its row is written (see settleSessionLimit):
   * ends the sessions that must go, as revocations with reason `'limit'`; throws
   * SessionLimitReachedError when `'refuse'` turned this sign-in away (its row is gone again), and
   * SessionInterruptedError when a concurrent sign-in of the same user took its place.
   */
  private async enforceSessionLimit(state: RequestSessionState, userId: UserId): Promise<void> {
    const { maxSessionsPerUser: max, onSessionLimit: policy } = this.options;
    const replacing = state.replacing;
    state.replacing = null;
    if (max === null) return;
    const own = state.record!.digest;
    const sessions = await this.store.listByUser(userId);
    const decision = settleSessionLimit(sessions, own, { max, policy, replacing });
    if (decision.end.length > 0) await this.store.delete(decision.end);
    const others = decision.end.filter((digest) => digest !== own);
    if (others.length > 0) {
      this.events.emit({ type: 'revoked', at: new Date(this.now()), ids: others, userId, reason: 'limit' });
      const evicted = sessions.filter((session) => others.includes(session.digest));
      await this.history?.ended(evicted, { event: 'evicted', reason: 'limit' });
    }
    if (!decision.end.includes(own)) return;
    // The ended row's key is never reused: a later save of this request gets a fresh one.
    state.record = null;
    state.sessionKey = null;
    if (decision.refused) throw new SessionLimitReachedError(max, decision.refused);
    state.interrupted = true;
    throw new SessionInterruptedError();
  }

  private announce(state: RequestSessionState, type: 'created' | 'rotated', previousId: string | null): void {
    const record = state.record!;
    const common = {
      at: record.updatedAt,
      id: record.digest,
      userId: record.userId,
      ip: record.ip,
      userAgent: record.userAgent,
    };
    this.events.emit(type === 'created' ? { type, ...common } : { type, previousId, ...common });
  }

  /**
   * Idle expiry from now (the session's own maxAge, else `anonymousLifetime` for a session
   * without a user, else `cookie.maxAge`), capped by the absolute lifetime counted from the
   * session's creation.
   */
  private expiryFrom(now: number, customMaxAge: number | null, userId: UserId | null, createdAt: number): Date {
    const idle = now + (customMaxAge ?? this.idleLifetime(userId));
    const absolute = this.options.absoluteLifetime;
    return new Date(absolute === null ? idle : Math.min(idle, createdAt + absolute));
  }

  private idleLifetime(userId: UserId | null): number {
    const { anonymousLifetime, cookie } = this.options;
    return userId === null && anonymousLifetime !== null ? Math.min(anonymousLifetime, cookie.maxAge) : cookie.maxAge;
  }

  /**
   * The stored session of `digest` when it is still usable (stored, unexpired, within the
   * absolute lifetime), else null: for connections that outlive their handshake.
   */
  async usableRecord(digest: string): Promise<SessionRecord | null> {
    const record = await this.load(digest);
    return record && this.usable(record) ? record : null;
  }

  /** When the session stops being usable unless used again: its expiry, or the absolute lifetime's end. */
  usableUntil(record: SessionRecord): number {
    const absolute = this.options.absoluteLifetime;
    const expiry = record.expireDate.getTime();
    return absolute === null ? expiry : Math.min(expiry, record.createdAt.getTime() + absolute);
  }

  /** Why the session of `digest` ended, when the history (`history` option) says. */
  async endOf(digest: string): Promise<SessionEnd | null> {
    return this.history ? this.history.endOf(digest) : null;
  }

  /** False for a session older than the absolute lifetime: it ends, however active (also after lowering the option). */
  private usable(record: SessionRecord): boolean {
    const absolute = this.options.absoluteLifetime;
    return absolute === null || record.createdAt.getTime() + absolute > this.now();
  }

  /** Deletes the stored session; resolves to false when it was already gone (ended elsewhere). */
  async remove(state: RequestSessionState, reason?: RevocationReason): Promise<boolean> {
    const record = state.record;
    if (!record) return true;
    const deleted = (await this.store.delete([record.digest])) > 0;
    state.record = null;
    if (!deleted) return false;
    if (reason)
      this.events.emit({
        type: 'revoked',
        at: new Date(this.now()),
        ids: [record.digest],
        userId: record.userId,
        reason,
      });
    // A signed-in session deleted by its own request (logout, regenerate, emptied): the user signed out.
    if (record.userId !== null)
      await this.history?.ended([record], { event: 'signed-out', reason: reason ?? 'logout' });
    return true;
  }

  private async createWithFreshKey(
    state: RequestSessionState,
    fields: Omit<SessionRecord, 'digest'>,
  ): Promise<SessionRecord> {
    // A key given out earlier in this request (req.session.id) is used if it is free.
    let key = state.key();
    for (let attempt = 1; ; attempt++) {
      const record = { ...fields, digest: digestSessionKey(key) };
      try {
        await this.store.create(record);
        state.sessionKey = key;
        return record;
      } catch (error) {
        if (!(error instanceof DuplicateSessionError) || attempt === KEY_ATTEMPTS) throw error;
        key = generateSessionKey();
      }
    }
  }

  private failure(state: RequestSessionState, error: unknown, dataChanged: boolean): CommitPlan {
    const plan = this.failurePlan(state, error, dataChanged);
    // Decided once: a later commit of this request (the response after an early commit in Nest's
    // pipeline, or an exception filter's error response) carries these headers and saves nothing.
    state.failedCommit = { vary: plan.vary, setCookie: plan.setCookie };
    return plan;
  }

  private failurePlan(state: RequestSessionState, error: unknown, dataChanged: boolean): CommitPlan {
    if (error instanceof SessionInterruptedError) {
      // Revoked while this request ran: never written back. Only a request that changed the
      // session learns it through an error (its changes are lost); others just lose the cookie.
      state.record = null;
      const setCookie = this.clearCookie(state);
      if (!dataChanged) return { vary: true, setCookie };
      const replace = { status: 400, error: 'Bad Request', message: error.message, cause: error };
      return { vary: true, setCookie, replace };
    }
    if (error instanceof SessionLimitReachedError) {
      // A sign-in outside login() (passport, a handler setting the user) turned away by 'refuse'.
      state.record = null;
      return { vary: true, replace: { status: 409, error: 'Conflict', message: error.message, cause: error } };
    }
    if (error instanceof SessionTooLargeError) {
      this.logger.error(error.message);
      const message = 'The session could not be saved.';
      return { vary: true, replace: { status: 500, error: 'Internal Server Error', message, cause: error } };
    }
    this.logger.error(`Saving the session failed: ${(error as Error)?.message ?? error}`, (error as Error)?.stack);
    const unavailable = new SessionStoreUnavailableError(error);
    return {
      vary: true,
      replace: { status: 503, error: 'Service Unavailable', message: unavailable.message, cause: unavailable },
    };
  }

  private sessionCookie(state: RequestSessionState): string {
    const now = this.now();
    // The cookie lives exactly as long as the stored session (idle and absolute limits included).
    const remaining = state.record ? state.record.expireDate.getTime() - now : this.options.cookie.maxAge;
    const maxAge = this.options.cookie.expireAtBrowserClose ? null : Math.max(remaining, 0);
    return sessionSetCookie(this.options.cookie, state.key(), state.secureRequest, maxAge, now);
  }

  private clearCookie(state: RequestSessionState): string {
    return clearSessionCookie(this.options.cookie, state.secureRequest);
  }
}

/** The plan with one more Set-Cookie value (after the ones it already has). */
function withSetCookie(plan: CommitPlan, value: string): CommitPlan {
  const existing = plan.setCookie === undefined ? [] : ([] as string[]).concat(plan.setCookie);
  return { ...plan, vary: true, setCookie: [...existing, value] };
}

/** Whether a write with `userId` signs a user in: the session had no user, or another one. */
function isSignIn(before: SessionRecord | null, userId: UserId | null): boolean {
  if (userId === null) return false;
  return before === null || before.userId === null || String(before.userId) !== String(userId);
}
