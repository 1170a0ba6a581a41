import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { UserId } from '../session/session-record.js';
import { resolveQSessionUserEntity } from './user-entity.js';

/** Name of the sign-in history table. */
export const QSESSION_HISTORY_TABLE = 'qsessions_history';

/**
 * One entry of a user's sign-in history: a row of `qsessions_history`, written when the `history`
 * option is on. It outlives the session it describes (until `history.retainDays` have passed) and
 * is deleted with its user (ON DELETE CASCADE). Read it through `SessionService.history()`.
 *
 * The client facts (address, device, location) are those of the moment of the event: a later
 * GeoIP database or parser does not rewrite the past.
 */
@Entity({ name: QSESSION_HISTORY_TABLE })
@Index('qsessions_history_user_at_idx', ['userId', 'at', 'id'])
@Index('qsessions_history_session_idx', ['sessionId'])
export class QSessionHistoryEntry {
  /** Order of writing; breaks ties between entries of the same millisecond. */
  @PrimaryGeneratedColumn({ name: 'id' })
  id: number;

  /** The user the entry belongs to; loaded only when asked for (relations: ['user']). */
  @ManyToOne(() => resolveQSessionUserEntity(), { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: object;

  /** The user's primary key. Its column type follows the user's key. */
  @Column({ name: 'user_id' })
  userId: UserId;

  /** Public id of the session (the digest of its key, as `list()` shows it). */
  @Column({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId: string;

  /** What happened: `signed-in`, `signed-out`, `revoked`, `evicted` or `expired`. */
  @Column({ name: 'event', type: 'varchar', length: 16 })
  event: string;

  /** Why the session ended (`logout`, `revoke`, `admin`, the app's own reason...), or null for a sign-in. */
  @Column({ name: 'reason', type: 'varchar', length: 64, nullable: true })
  reason: string | null;

  /** Who ended it, when the app said (`RevocationOptions.actor`, e.g. an admin's id), or null. */
  @Column({ name: 'actor', type: 'varchar', length: 64, nullable: true })
  actor: string | null;

  /** When it happened. */
  @Index('qsessions_history_at_idx')
  @Column({ name: 'at', precision: 3 })
  at: Date;

  /** The client's IP address at that moment (after `privacy.ip`), or null. */
  @Column({ name: 'ip', type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  /** The User-Agent at that moment, cut to 300 characters, or null. */
  @Column({ name: 'user_agent', type: 'varchar', length: 300, nullable: true })
  userAgent: string | null;

  /** One-line device summary at that moment ("Chrome on macOS"). */
  @Column({ name: 'device', type: 'varchar', length: 120 })
  device: string;

  /** The device's identity for new-device detection: browser family, OS family and device type. */
  @Column({ name: 'device_key', type: 'varchar', length: 120 })
  deviceKey: string;

  /** ISO country code of the address at that moment (GeoIP), or null. */
  @Column({ name: 'country', type: 'varchar', length: 2, nullable: true })
  country: string | null;

  /** City of the address at that moment (GeoIP), or null. */
  @Column({ name: 'city', type: 'varchar', length: 100, nullable: true })
  city: string | null;

  /** "City, Country" or "Country" at that moment, or null. */
  @Column({ name: 'location', type: 'varchar', length: 160, nullable: true })
  location: string | null;

  /** On a sign-in: whether the device was new to the user (null when there was nothing to compare with). */
  @Column({ name: 'new_device', type: Boolean, nullable: true })
  newDevice: boolean | null;

  /** On a sign-in: whether the location was new to the user (null when unknown or nothing to compare with). */
  @Column({ name: 'new_location', type: Boolean, nullable: true })
  newLocation: boolean | null;
}
