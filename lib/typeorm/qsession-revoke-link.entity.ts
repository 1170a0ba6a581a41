import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { UserId } from '../session/session-record.js';
import { resolveQSessionUserEntity } from './user-entity.js';

/** Name of the table of "This wasn't me" links. */
export const QSESSION_REVOKE_LINK_TABLE = 'qsessions_revoke_link';

/**
 * A "This wasn't me" link not used yet: a row of `qsessions_revoke_link`, made by
 * `SessionService.createRevokeLink()` and deleted when used (`revokeByToken()`), when its user is
 * deleted (ON DELETE CASCADE), or by `clearExpired()` once expired. Only the SHA-256 digest of
 * the link's token is stored: the table gives no usable link.
 */
@Entity({ name: QSESSION_REVOKE_LINK_TABLE })
@Index('qsessions_revoke_link_user_idx', ['userId'])
export class QSessionRevokeLink {
  /** SHA-256 (hex) of the token in the link. */
  @PrimaryColumn({ name: 'token_digest', type: 'varchar', length: 64 })
  tokenDigest: string;

  @ManyToOne(() => resolveQSessionUserEntity(), { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: object;

  /** The owner of the session the link ends. */
  @Column({ name: 'user_id' })
  userId: UserId;

  /** Public id of the session the link ends. */
  @Column({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId: string;

  /** When the link stops working. */
  @Index('qsessions_revoke_link_expires_idx')
  @Column({ name: 'expires_at', precision: 3 })
  expiresAt: Date;
}
