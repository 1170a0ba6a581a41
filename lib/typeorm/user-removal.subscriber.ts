import type { EntitySubscriberInterface, RemoveEvent } from 'typeorm';
import type { SessionCache } from '../session/session-cache.js';
import type { UserId } from '../session/session-record.js';
import type { SessionEvents } from '../events/session-events.js';
import { QSession } from './qsession.entity.js';
import type { UserEntityClass } from './user-entity.js';

/**
 * Ends the sessions of users deleted through TypeORM, in the cache as well as in the table.
 *
 * The database deletes the rows itself (ON DELETE CASCADE); what it cannot do is evict cached
 * copies, which would otherwise keep a deleted user's sessions alive in `cached_db`. For
 * `remove(user)` the user is known: its sessions are listed before the delete and revoked in the
 * cache after it. For `delete(criteria)` TypeORM does not say which users went, so every cached
 * session that has a user is re-checked against the database once.
 */
export class UserRemovalSubscriber implements EntitySubscriberInterface {
  private readonly pending = new WeakMap<object, { userId: UserId; digests: string[] }>();

  constructor(
    private readonly userEntity: UserEntityClass,
    private readonly cache: SessionCache | null,
    private readonly events: SessionEvents,
    private readonly now: () => number = Date.now,
  ) {}

  listenTo(): UserEntityClass {
    return this.userEntity;
  }

  async beforeRemove(event: RemoveEvent<object>): Promise<void> {
    const userId = userIdOf(event);
    if (userId === undefined || !event.entity) return;
    // Inside the deleting transaction, before the cascade takes the rows away.
    const rows = await event.manager.getRepository(QSession).find({ select: { sessionKey: true }, where: { userId } });
    this.pending.set(event.entity, { userId, digests: rows.map((row) => row.sessionKey) });
  }

  async afterRemove(event: RemoveEvent<object>): Promise<void> {
    const known = event.entity ? this.pending.get(event.entity) : undefined;
    if (!known) {
      // delete() by criteria: which users went is unknown.
      await this.cache?.invalidateUserSessions();
      return;
    }
    this.pending.delete(event.entity!);
    if (known.digests.length === 0) return;
    await this.cache?.revoke(known.digests);
    this.events.emit({
      type: 'revoked',
      at: new Date(this.now()),
      ids: known.digests,
      userId: known.userId,
      reason: 'user-deleted',
    });
  }
}

function userIdOf(event: RemoveEvent<object>): UserId | undefined {
  const fromEvent = event.entityId as unknown;
  const candidate =
    typeof fromEvent === 'object' && fromEvent !== null ? Object.values(fromEvent as object)[0] : fromEvent;
  if (typeof candidate === 'number' || typeof candidate === 'string') return candidate;
  if (!event.entity) return undefined;
  const primary = event.metadata.primaryColumns[0]?.getEntityValue(event.entity) as unknown;
  return typeof primary === 'number' || typeof primary === 'string' ? primary : undefined;
}
