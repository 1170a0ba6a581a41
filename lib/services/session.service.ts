import { ConflictException, Inject, Injectable } from '@nestjs/common';
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
  QSESSIONS_STORE,
} from '../qsessions.constants.js';
import type { QSessionsClock } from '../util/clock.js';
import type { RevocationReason, SessionEvent } from '../events/session-event.js';
import type { SessionEvents } from '../events/session-events.js';
import type { Observable } from 'rxjs';
import type { GeoIpLocator } from '../geoip/geoip-locator.js';
import type { LocationInfo } from '../geoip/location-info.js';
import { parseDevice } from '../user-agent/device-info.js';
import { resolveQSessionUserEntity } from '../typeorm/user-entity.js';
import type { SessionView } from './session-view.js';
import { revocationReason, type RevocationOptions } from './revocation-options.js';
import { durationMs, type Duration } from '../util/duration.js';
import { sessionLabel } from './session-label.js';

/** A user entity object, or its primary key. */
export type UserOrId = UserId | object;

const CLEAR_BATCH = 1000;

/**
 * Lists and revokes sessions, and signs users in and out. Inject it anywhere once
 * `QSessionsModule` is imported.
 */
/** Options of `SessionService.login()`. */
export interface LoginOptions {
  /**
   * With `maxSessionsPerUser` reached, the id of one of the user's sessions (from
   * `SessionLimitError.sessions`) to end so that this sign-in fits: ended only if it succeeds.
   */
  replacing?: string;
}

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
    if (!isWellFormedDigest(id)) return false;
    const userId = this.userIdOf(user);
    // One statement: the delete itself is scoped to the user's live sessions.
    if (!(await this.store.deleteOfUser(userId, id))) return false;
    this.announce(userId, [id], reason);
    return true;
  }

  /**
   * Ends any session by its public id, whoever owns it: for admin tools only, after checking that
   * the caller is staff. Resolves to false when no live session has that id. `options.reason`
   * goes on the `revoked` event (default `'revoke'`; `'admin'` says who did it).
   */
  async revokeById(id: string, options?: RevocationOptions): Promise<boolean> {
    const reason = revocationReason(options, 'revoke');
    if (!isWellFormedDigest(id)) return false;
    const record = await this.store.get(id);
    if (!record) return false;
    return (await this.end(record.userId, [id], reason)) > 0;
  }

  /**
   * Ends every session of the requesting user except the requesting one; resolves to how many.
   * `options.reason` goes on the `revoked` event (default `'revoke-others'`; after a password
   * change, `'password-changed'`).
   */
  async revokeOthers(req: object, options?: RevocationOptions): Promise<number> {
    const reason = revocationReason(options, 'revoke-others');
    const state = this.stateOf(req);
    const userId = state.record?.userId;
    if (userId === undefined || userId === null) return 0;
    const others = (await this.store.liveDigestsOfUser(userId)).filter((digest) => digest !== state.record?.digest);
    return this.end(userId, others, reason);
  }

  /**
   * Ends every session of the user (this request's included); resolves to how many.
   * `options.reason` goes on the `revoked` event (default `'revoke-all'`).
   */
  async revokeAll(user: UserOrId, options?: RevocationOptions): Promise<number> {
    const reason = revocationReason(options, 'revoke-all');
    const userId = this.userIdOf(user);
    return this.end(userId, await this.store.liveDigestsOfUser(userId), reason);
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
      ended += await this.end(userId, digests, 'user-deleted');
    }
    if (unlisted) await this.store.recheckUserSessions();
    return ended;
  }

  /** Deletes expired sessions in bounded batches (cached copies are refused by their expiry); resolves to how many. */
  async clearExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.store.deleteExpiredBatch(CLEAR_BATCH);
      total += batch.length;
      if (batch.length > 0) this.announce(null, batch, 'expired');
      if (batch.length < CLEAR_BATCH) return total;
    }
  }

  /** "City, Country", "Country" or null for an IP address (GeoIP; null when it is off). */
  location(ip: string | null | undefined): Promise<string | null> {
    return this.geoip.location(ip);
  }

  /** What the GeoIP database knows about an IP address, or null. */
  locationInfo(ip: string | null | undefined): Promise<LocationInfo | null> {
    return this.geoip.locationInfo(ip);
  }

  /** Deletes sessions (rows and cache entries) and tells event subscribers. */
  private async end(userId: UserId | null, digests: string[], reason: RevocationReason): Promise<number> {
    if (digests.length === 0) return 0;
    const ended = await this.store.delete(digests);
    this.announce(userId, digests, reason);
    return ended;
  }

  private announce(userId: UserId | null, ids: string[], reason: RevocationReason): void {
    this.eventBus.emit({ type: 'revoked', at: new Date(this.clock.now()), ids, userId, reason });
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
