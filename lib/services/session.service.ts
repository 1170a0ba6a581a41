import { ConflictException, Inject, Injectable, Optional } from '@nestjs/common';
import { SessionInterruptedError, SessionLimitReachedError } from '../session/session-errors.js';
import { SessionLimitError } from './session-limit.error.js';
import type { DataSource } from 'typeorm';
import { isWellFormedDigest } from '../session/session-key.js';
import type { SessionRecord, UserId } from '../session/session-record.js';
import type { SessionStore } from '../session/session-store.js';
import { getRequestState } from '../http/request-state.js';
import type { RequestSessionState } from '../session/request-session-state.js';
import {
  QSESSIONS_CLOCK,
  QSESSIONS_DATA_SOURCE,
  QSESSIONS_EVENTS,
  QSESSIONS_GEOIP,
  QSESSIONS_HISTORY,
  QSESSIONS_REVOKE_LINKS,
  QSESSIONS_STORE,
} from '../qsessions.constants.js';
import type { TypeOrmSessionHistory } from '../history/typeorm-session-history.js';
import type { TypeOrmRevokeLinks } from '../history/typeorm-revoke-links.js';
import type { HistoryQuery, SessionHistoryEntry, SessionHistoryPage } from '../history/session-history-entry.js';
import type { EndedSession, SessionEnd, SessionHistoryEvent } from '../session/session-history.js';
import type { QSessionsClock } from '../util/clock.js';
import type { RevocationReason, SessionEvent } from '../events/session-event.js';
import type { SessionEvents } from '../events/session-events.js';
import type { Observable } from 'rxjs';
import type { GeoIpLocator } from '../geoip/geoip-locator.js';
import type { LocationInfo } from '../geoip/location-info.js';
import { parseDevice } from '../user-agent/device-info.js';
import { resolveQSessionUserEntity } from '../typeorm/user-entity.js';
import { QSession } from '../typeorm/qsession.entity.js';
import type { SessionView } from './session-view.js';
import { revocationActor, revocationReason, type RevocationOptions } from './revocation-options.js';
import { durationMs, type Duration } from '../util/duration.js';
import { sessionLabel } from './session-label.js';

/** A user entity object, or its primary key. */
export type UserOrId = UserId | object;

const CLEAR_BATCH = 1000;
const DEFAULT_LINK_LIFETIME: Duration = '7d';

/** Options of `SessionService.createRevokeLink()`. */
export interface RevokeLinkOptions {
  /** How long the link works (ms or `'7d'`). Default 7 days. */
  ttl?: Duration;
}

/** Options of `SessionService.revokeByToken()`. */
export interface RevokeByTokenOptions {
  /** End every session of the link's user, not only the one it names. Default false. */
  all?: boolean;
}

/** What `SessionService.exportUserData()` returns: everything kept about one user, without keys. */
export interface UserSessionData {
  userId: UserId;
  /** When the export was made. */
  exportedAt: Date;
  /** The user's live sessions, as `list()` shows them. */
  sessions: SessionView[];
  /** The user's history, newest first (empty without the `history` option). */
  history: SessionHistoryEntry[];
}

/** What `SessionService.eraseUserData()` deleted. */
export interface ErasedUserData {
  sessions: number;
  historyEntries: number;
  revokeLinks: number;
}

/** Options of `SessionService.login()`. */
export interface LoginOptions {
  /**
   * With `maxSessionsPerUser` reached, the id of one of the user's sessions (from
   * `SessionLimitError.sessions`) to end so that this sign-in fits: ended only if it succeeds.
   */
  replacing?: string;
}

/**
 * Lists and revokes sessions, and signs users in and out. Inject it anywhere once
 * `QSessionsModule` is imported.
 */
@Injectable()
export class SessionService {
  /**
   * Session events (created, rotated, revoked), for audits and alerts.
   *
   * @example
   * ```ts
   * this.sessions.events.pipe(filter((e) => e.type === 'rotated')).subscribe((e) => this.alerts.newSignIn(e));
   * ```
   */
  readonly events: Observable<SessionEvent>;

  constructor(
    @Inject(QSESSIONS_EVENTS) private readonly eventBus: SessionEvents,
    @Inject(QSESSIONS_STORE) private readonly store: SessionStore,
    @Inject(QSESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(QSESSIONS_GEOIP) private readonly geoip: GeoIpLocator,
    @Inject(QSESSIONS_CLOCK) private readonly clock: QSessionsClock,
    @Optional() @Inject(QSESSIONS_HISTORY) private readonly historyLog: TypeOrmSessionHistory | null = null,
    @Optional() @Inject(QSESSIONS_REVOKE_LINKS) private readonly revokeLinks: TypeOrmRevokeLinks | null = null,
  ) {
    this.events = eventBus.stream;
  }

  /**
   * Signs `user` in on this request: the session moves to a new key (against session fixation),
   * keeps its data (unless it belonged to another user), records the user, and is saved now.
   *
   * With `maxSessionsPerUser`, the sign-in is held to it (see `onSessionLimit`). Under `'refuse'`
   * at the limit it throws {@link SessionLimitError}, listing the user's sessions, and the
   * request's session stays as it was, without the user; `options.replacing` names one of the
   * user's sessions to end so that this sign-in fits (ended only if the sign-in succeeds).
   */
  async login(req: object, user: UserOrId, options: LoginOptions = {}): Promise<void> {
    const state = this.stateOf(req);
    state.replacing = options.replacing && isWellFormedDigest(options.replacing) ? options.replacing : null;
    const userId = this.userIdOf(user);
    const session = state.session;
    const previousOwner = state.record?.userId ?? null;
    if (previousOwner !== null && String(previousOwner) !== String(userId)) {
      for (const key of Object.keys(session)) delete session[key];
    }
    session.userId = userId;
    // A sign-in is a proof of identity: the new row records it (see markReauthenticated()).
    state.reauthenticated = true;
    try {
      await interruptedAsConflict(state.cycleKey());
    } catch (error) {
      if (!(error instanceof SessionLimitReachedError)) throw error;
      // Not signed in: the session goes on as it was, without the user (saved as usual).
      delete session.userId;
      const views = await this.viewsOf(error.sessions, undefined);
      throw new SessionLimitError(error.limit, views, { cause: error });
    }
  }

  /**
   * Records that the requesting session's user proved who they are just now (their password or
   * second factor checked out): `@RequireFreshSession()` lets them through for its `within`
   * from now. Saved at once. Throws when the request has no signed-in session.
   */
  async markReauthenticated(req: object): Promise<void> {
    const state = this.stateOf(req);
    if (state.record?.userId === null || state.record?.userId === undefined) {
      throw new Error('nest-qsessions: markReauthenticated() needs a signed-in session; sign the user in instead.');
    }
    state.reauthenticated = true;
    await interruptedAsConflict(state.save());
  }

  /**
   * Why the session of the request's cookie ended (`{ reason, at }`), as `@SessionEnded()` gives it
   * to a handler: for the places a parameter decorator cannot reach (guards, exception filters,
   * middleware), such as a guard that sends a signed-out browser to `/login?ended=password-changed`.
   * Undefined when the request's cookie names no ended session, and always without the `history`
   * option.
   *
   * @example
   * ```ts
   * const ended = this.sessions.sessionEnded(req);
   * throw new UnauthorizedException(ended?.reason === 'admin' ? 'An administrator signed you out.' : 'Sign in.');
   * ```
   */
  sessionEnded(req: object): SessionEnd | undefined {
    return getRequestState(req)?.ended ?? undefined;
  }

  /**
   * When the requesting session's user last proved who they are (sign-in or
   * `markReauthenticated()`), or null when the request has no signed-in session.
   */
  reauthenticatedAt(req: object): Date | null {
    const record = getRequestState(req)?.record;
    return record && record.userId !== null ? record.reauthenticatedAt : null;
  }

  /** Whether the requesting session's user proved who they are within `within` (ms or `'10m'`). */
  isFresh(req: object, within: Duration): boolean {
    const limit = durationMs(within, 'isFresh(req, within)');
    const at = this.reauthenticatedAt(req);
    return at !== null && this.clock.now() - at.getTime() <= limit;
  }

  /**
   * Names one of the user's sessions ("Work laptop"), shown as `label` by `list()`; `null` or an
   * empty string clears it. Owner-scoped like `revoke()`: false, changing nothing, for an id that
   * is not one of the user's live sessions. The label is trimmed; one longer than 64 characters
   * or holding control characters is refused with a `BadRequestException` (400) that says why.
   */
  async rename(user: UserOrId, id: string, label: string | null): Promise<boolean> {
    const checked = sessionLabel(label);
    if (!isWellFormedDigest(id)) return false;
    return this.store.relabelOfUser(this.userIdOf(user), id, checked);
  }

  /** Signs the request out: its session row and cache entry are deleted and the cookie cleared. */
  async logout(req: object): Promise<void> {
    await this.stateOf(req).destroy();
  }

  /** The user's active sessions, most recent activity first; `current` marks the requesting one. */
  async list(user: UserOrId, options: { current?: object } = {}): Promise<SessionView[]> {
    const currentDigest = options.current ? getRequestState(options.current)?.record?.digest : undefined;
    return this.viewsOf(await this.store.listByUser(this.userIdOf(user)), currentDigest);
  }

  private async viewsOf(records: readonly SessionRecord[], currentDigest: string | undefined): Promise<SessionView[]> {
    const locations = await this.locationsOf(records);
    return records.map((record) => toView(record, record.digest === currentDigest, locations.get(record.ip) ?? null));
  }

  /**
   * Ends one of the user's sessions by its public id. Resolves to false, changing nothing, when
   * the id is not one of that user's live sessions. `options.reason` goes on the `revoked` event
   * (default `'revoke'`).
   */
  async revoke(user: UserOrId, id: string, options?: RevocationOptions): Promise<boolean> {
    const reason = revocationReason(options, 'revoke');
    const actor = revocationActor(options);
    if (!isWellFormedDigest(id)) return false;
    const userId = this.userIdOf(user);
    // Read first only for the history, which keeps the session's client.
    const before = this.historyLog ? await this.store.get(id) : null;
    // One statement: the delete itself is scoped to the user's live sessions.
    if (!(await this.store.deleteOfUser(userId, id))) return false;
    this.announce(userId, [id], reason, actor);
    await this.historyLog?.ended([before ?? withoutClient(userId)(id)], {
      event: 'revoked',
      reason,
      actor,
    });
    return true;
  }

  /**
   * Ends any session by its public id, whoever owns it: for admin tools only, after checking that
   * the caller is staff. Resolves to false when no live session has that id. `options.reason`
   * goes on the `revoked` event (default `'revoke'`; `'admin'` says who did it).
   */
  async revokeById(id: string, options?: RevocationOptions): Promise<boolean> {
    const reason = revocationReason(options, 'revoke');
    const actor = revocationActor(options);
    if (!isWellFormedDigest(id)) return false;
    const record = await this.store.get(id);
    if (!record) return false;
    return (await this.end(record.userId, [record], reason, actor)) > 0;
  }

  /**
   * Ends every session of the requesting user except the requesting one; resolves to how many.
   * `options.reason` goes on the `revoked` event (default `'revoke-others'`; after a password
   * change, `'password-changed'`).
   */
  async revokeOthers(req: object, options?: RevocationOptions): Promise<number> {
    const reason = revocationReason(options, 'revoke-others');
    const actor = revocationActor(options);
    const state = this.stateOf(req);
    const userId = state.record?.userId;
    if (userId === undefined || userId === null) return 0;
    const others = (await this.sessionsOf(userId)).filter((session) => session.digest !== state.record?.digest);
    return this.end(userId, others, reason, actor);
  }

  /**
   * Ends every session of the user (this request's included); resolves to how many.
   * `options.reason` goes on the `revoked` event (default `'revoke-all'`).
   */
  async revokeAll(user: UserOrId, options?: RevocationOptions): Promise<number> {
    const reason = revocationReason(options, 'revoke-all');
    const actor = revocationActor(options);
    const userId = this.userIdOf(user);
    return this.end(userId, await this.sessionsOf(userId), reason, actor);
  }

  /**
   * Ends every session of users deleted outside TypeORM's entity events (raw SQL, a query
   * builder without listeners, another service sharing the database); resolves to how many
   * sessions it ended. Users deleted through TypeORM's `remove()` or `delete()` need no call.
   *
   * Best called just before the delete: the users' sessions are then still listed, and each is
   * revoked, cached copies included. Called after it, the rows are already gone (ON DELETE
   * CASCADE) and cannot be listed, so every cached signed-in session is checked against the table
   * once more before it is served again (one database read each): the deleted users' are refused.
   *
   * @example
   * ```ts
   * await this.sessions.userDeleted(userId);
   * await this.dataSource.query('DELETE FROM "user" WHERE id = $1', [userId]);
   * ```
   */
  async userDeleted(users: UserOrId | readonly UserOrId[]): Promise<number> {
    const userIds = (Array.isArray(users) ? users : [users]).map((user: UserOrId) => this.userIdOf(user));
    let ended = 0;
    let unlisted = false;
    for (const userId of userIds) {
      const digests = await this.store.liveDigestsOfUser(userId);
      // No live row: the user is already deleted (or never signed in); cached copies may remain.
      if (digests.length === 0) unlisted = true;
      // No history entries: they go with the user (ON DELETE CASCADE).
      ended += await this.end(userId, digests.map(withoutClient(userId)), 'user-deleted', undefined, false);
    }
    if (unlisted) await this.store.recheckUserSessions();
    return ended;
  }

  /**
   * Deletes expired sessions in bounded batches (cached copies are refused by their expiry);
   * resolves to how many. With the `history` option, each signed-in one gets an `expired` entry,
   * and history entries older than `history.retainDays` and expired revoke links are deleted too.
   */
  async clearExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.store.deleteExpiredBatch(CLEAR_BATCH);
      total += batch.length;
      if (batch.length > 0) {
        this.announce(
          null,
          batch.map((session) => session.digest),
          'expired',
        );
        await this.historyLog?.ended(batch, { event: 'expired', reason: 'expired' });
      }
      if (batch.length < CLEAR_BATCH) break;
    }
    await this.historyLog?.prune();
    await this.revokeLinks?.prune();
    return total;
  }

  /**
   * One page of the user's sign-in history, newest first: `limit` entries (default 20, at most
   * 100), older than the cursor `before` (the previous page's `next`). Needs the `history`
   * option. A bad `limit` or cursor is a `BadRequestException` (400).
   *
   * @example
   * ```ts
   * const first = await this.sessions.history(user, { limit: 20 });
   * const second = first.next ? await this.sessions.history(user, { before: first.next }) : null;
   * ```
   */
  async history(user: UserOrId, query: HistoryQuery = {}): Promise<SessionHistoryPage> {
    return this.requireHistory('history()').page(this.userIdOf(user), query);
  }

  /**
   * Makes a "This wasn't me" link token for one of the user's sessions (typically the one of a
   * `signed-in` event with `newDevice` or `newLocation`), to put in an e-mail: single use, valid
   * for `options.ttl` (default 7 days), only its SHA-256 stored. Needs the `history` option.
   */
  async createRevokeLink(user: UserOrId, sessionId: string, options: RevokeLinkOptions = {}): Promise<string> {
    const links = this.requireLinks('createRevokeLink()');
    const ttl = durationMs(options.ttl ?? DEFAULT_LINK_LIFETIME, 'createRevokeLink() `ttl`');
    if (!isWellFormedDigest(sessionId)) {
      throw new TypeError('nest-qsessions: createRevokeLink() needs a session id as list() or an event gives it.');
    }
    return links.create({ userId: this.userIdOf(user), sessionId }, ttl);
  }

  /**
   * Uses a "This wasn't me" link: ends the session it names (or, with `options.all`, every session
   * of its user) with reason `'revoke-link'`, without needing a signed-in request. Resolves to
   * true when the token was a valid, unused, unexpired link (used up now), false otherwise
   * (tampered, unknown, expired, used; such a token costs no query when it is not even shaped
   * like one).
   */
  async revokeByToken(token: string, options: RevokeByTokenOptions = {}): Promise<boolean> {
    const links = this.requireLinks('revokeByToken()');
    const target = await links.consume(token);
    if (!target) return false;
    if (options.all === true) await this.revokeAll(target.userId, { reason: 'revoke-link' });
    else await this.revoke(target.userId, target.sessionId, { reason: 'revoke-link' });
    return true;
  }

  /**
   * Everything kept about the user's sessions, as JSON-ready data (for a data-access request):
   * their live sessions and their history. Never a session key.
   */
  async exportUserData(user: UserOrId): Promise<UserSessionData> {
    const userId = this.userIdOf(user);
    return {
      userId,
      exportedAt: new Date(this.clock.now()),
      sessions: await this.list(userId),
      history: this.historyLog ? await this.historyLog.all(userId) : [],
    };
  }

  /**
   * Deletes everything kept about the user's sessions (for an erasure request): their sessions
   * (rows and cached copies, so they are signed out everywhere; expired rows not yet cleared
   * too), their history and their revoke links. The user's own row is the app's to delete.
   */
  async eraseUserData(user: UserOrId): Promise<ErasedUserData> {
    const userId = this.userIdOf(user);
    const digests = await this.store.liveDigestsOfUser(userId);
    // Ended without history entries: the history is what is being erased.
    const live = await this.end(userId, digests.map(withoutClient(userId)), 'erased', undefined, false);
    // Expired rows not yet cleared hold the same facts (their copies are refused by their expiry).
    const expired = (await this.dataSource.getRepository(QSession).delete({ userId })).affected ?? 0;
    return {
      sessions: live + expired,
      historyEntries: (await this.historyLog?.erase(userId)) ?? 0,
      revokeLinks: (await this.revokeLinks?.erase(userId)) ?? 0,
    };
  }

  /** "City, Country", "Country" or null for an IP address (GeoIP; null when it is off). */
  location(ip: string | null | undefined): Promise<string | null> {
    return this.geoip.location(ip);
  }

  /** What the GeoIP database knows about an IP address, or null. */
  locationInfo(ip: string | null | undefined): Promise<LocationInfo | null> {
    return this.geoip.locationInfo(ip);
  }

  /** Deletes sessions (rows and cache entries), tells event subscribers and records them in the history. */
  private async end(
    userId: UserId | null,
    sessions: readonly EndedSession[],
    reason: RevocationReason,
    actor?: string,
    recorded = true,
  ): Promise<number> {
    if (sessions.length === 0) return 0;
    const digests = sessions.map((session) => session.digest);
    const ended = await this.store.delete(digests);
    this.announce(userId, digests, reason, actor);
    if (recorded) await this.historyLog?.ended(sessions, { event: eventOf(reason), reason, actor });
    return ended;
  }

  /** The user's live sessions, with their clients only when the history will record them. */
  private async sessionsOf(userId: UserId): Promise<EndedSession[]> {
    if (this.historyLog) return this.store.listByUser(userId);
    return (await this.store.liveDigestsOfUser(userId)).map(withoutClient(userId));
  }

  private announce(userId: UserId | null, ids: string[], reason: RevocationReason, actor?: string): void {
    const event = { type: 'revoked' as const, at: new Date(this.clock.now()), ids, userId, reason };
    this.eventBus.emit(actor === undefined ? event : { ...event, actor });
  }

  private requireHistory(method: string): TypeOrmSessionHistory {
    if (!this.historyLog) throw new Error(historyNeeded(method));
    return this.historyLog;
  }

  private requireLinks(method: string): TypeOrmRevokeLinks {
    if (!this.revokeLinks) throw new Error(historyNeeded(method));
    return this.revokeLinks;
  }

  /**
   * The location of each distinct address among the sessions: one lookup per address (a user's
   * sessions mostly share a few), and none at all when GeoIP has no database.
   */
  private async locationsOf(records: readonly SessionRecord[]): Promise<Map<string | null, string | null>> {
    const addresses = [...new Set(records.map((record) => record.ip))];
    if (!this.geoip.hasDatabase) {
      // Still asked once, so that a missing configuration is reported as it always is.
      if (addresses.length > 0) await this.geoip.location(addresses[0]);
      return new Map();
    }
    const found = await Promise.all(addresses.map((ip) => this.geoip.location(ip)));
    return new Map(addresses.map((ip, index) => [ip, found[index] ?? null]));
  }

  private stateOf(req: object): RequestSessionState {
    const state = getRequestState(req);
    if (!state) {
      throw new Error(
        'nest-qsessions: this request has no session. Pass the request object (@Req()) of a route the ' +
          'QSessionsMiddleware runs on.',
      );
    }
    return state;
  }

  private userIdOf(user: UserOrId): UserId {
    if (typeof user === 'number' || typeof user === 'string') return user;
    if (typeof user === 'object' && user !== null) {
      const metadata = this.dataSource.getMetadata(resolveQSessionUserEntity());
      const [primary] = metadata.primaryColumns;
      const id = primary?.getEntityValue(user) as unknown;
      if (typeof id === 'number' || typeof id === 'string') return id;
    }
    throw new TypeError('nest-qsessions: expected a user entity with its primary key set, or a user id.');
  }
}

function historyNeeded(method: string): string {
  return (
    `nest-qsessions: ${method} needs the sign-in history: set \`history: true\` (or \`{ retainDays }\`) in ` +
    'QSessionsModule.forRoot(), and create its tables (synchronize, or the upgrade migration).'
  );
}

/** The history event of a revocation: `evicted` for the session cap, `revoked` otherwise. */
function eventOf(reason: RevocationReason): Exclude<SessionHistoryEvent, 'signed-in'> {
  return reason === 'limit' ? 'evicted' : 'revoked';
}

/** A session known by its digest alone. */
function withoutClient(userId: UserId | null): (digest: string) => EndedSession {
  return (digest) => ({ digest, userId, ip: null, userAgent: null, clientHints: null });
}

function toView(record: SessionRecord, current: boolean, location: string | null): SessionView {
  return {
    id: record.digest,
    userId: record.userId,
    ip: record.ip,
    location,
    userAgent: record.userAgent,
    device: parseDevice(record.userAgent, record.clientHints),
    label: record.label,
    reauthenticatedAt: record.reauthenticatedAt,
    createdAt: record.createdAt,
    lastActive: record.updatedAt,
    expiresAt: record.expireDate,
    current,
  };
}

/** The operation's result, with a session ended by a concurrent request reported as a 409. */
async function interruptedAsConflict(operation: Promise<void>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (error instanceof SessionInterruptedError) {
      throw new ConflictException('This session was ended or signed in by a concurrent request; sign in again.');
    }
    throw error;
  }
}
