import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { UserId } from '../session/session-record.js';
import { activeGeoIpLocator } from '../geoip/active-locator.js';
import type { LocationInfo } from '../geoip/location-info.js';
import { parseDevice, type DeviceInfo } from '../user-agent/device-info.js';
import { resolveQSessionUserEntity } from './user-entity.js';

/** Name of the sessions table (as in django-qsessions). */
export const QSESSION_TABLE = 'qsessions_session';

/**
 * One server-side session: a row of `qsessions_session`.
 *
 * The primary key is the SHA-256 digest of the cookie key, never the key itself, and it is also
 * the session's public id (safe to show and to use for revoking). `user` points at the app's own
 * user entity (the `userEntity` option) and is deleted with it (ON DELETE CASCADE).
 */
@Entity({ name: QSESSION_TABLE })
@Index('qsessions_session_user_expire_idx', ['userId', 'expireDate'])
export class QSession {
  /** SHA-256 (hex) of the session key held in the cookie; the session's public id. */
  @PrimaryColumn({ name: 'session_key', type: 'varchar', length: 64 })
  sessionKey: string;

  /** The session data as JSON text. */
  @Column({ name: 'session_data', type: 'text' })
  sessionData: string;

  /** When the session stops being valid. Slides forward each time the session is saved. */
  @Index('qsessions_session_expire_date_idx')
  @Column({ name: 'expire_date', precision: 3 })
  expireDate: Date;

  /** The app's user this session belongs to; loaded only when asked for (relations: ['user']). */
  @ManyToOne(() => resolveQSessionUserEntity(), {
    nullable: true,
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({ name: 'user_id' })
  user?: object | null;

  /** The owner's primary key, or null for an anonymous session. Its column type follows the user's key. */
  @Column({ name: 'user_id', nullable: true })
  userId: UserId | null;

  /** The User-Agent header of the latest request, cut to 300 characters. */
  @Column({ name: 'user_agent', type: 'varchar', length: 300, nullable: true })
  userAgent: string | null;

  /** The client's IP address (IPv4 or IPv6) of the latest request. */
  @Column({ name: 'ip', type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  /** When the session was created (sign-in time for a rotated login session). */
  @Column({ name: 'created_at', precision: 3 })
  createdAt: Date;

  /** When the session row was last written (data, IP or User-Agent change, or activity refresh). */
  @Column({ name: 'updated_at', precision: 3 })
  updatedAt: Date;

  /**
   * When the user last proved who they are on this session (its sign-in, or
   * `SessionService.markReauthenticated()`); null without a user. `@RequireFreshSession()` reads it.
   */
  // `type: Date`: a `Date | null` property reflects as Object; Date lets each driver pick its type, as for the others.
  @Column({ name: 'reauthenticated_at', type: Date, precision: 3, nullable: true })
  reauthenticatedAt: Date | null;

  /** The name the person gave this device ("Work laptop"; `SessionService.rename()`), or null. */
  @Column({ name: 'label', type: 'varchar', length: 64, nullable: true })
  label: string | null;

  /**
   * The User-Agent Client Hints of the latest request that sent any (the `clientHints` option),
   * as compact JSON (`{"platform":"macOS","platformVersion":"14.2.1",...}`), or null.
   */
  @Column({ name: 'client_hints', type: 'varchar', length: 512, nullable: true })
  clientHints: string | null;

  /**
   * Browser, OS and device parsed from the User-Agent (ua-parser-js) and the Client Hints when
   * stored, e.g. summary "Chrome on macOS" (or "Chrome on macOS 14" with hints).
   */
  device(): DeviceInfo {
    return parseDevice(this.userAgent, this.clientHints);
  }

  /** "City, Country", "Country", or null when GeoIP is off or does not know the address. */
  async location(): Promise<string | null> {
    return (await activeGeoIpLocator()?.location(this.ip)) ?? null;
  }

  /** Everything the GeoIP database knows about the address (city, country, coordinates...), or null. */
  async locationInfo(): Promise<LocationInfo | null> {
    return (await activeGeoIpLocator()?.locationInfo(this.ip)) ?? null;
  }
}
