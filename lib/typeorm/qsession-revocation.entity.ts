import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Name of the table of held revocations. */
export const QSESSION_REVOCATION_TABLE = 'qsessions_revocation';

/**
 * A revocation the shared cache (Redis) has not received yet: a row of `qsessions_revocation`.
 * Written only when the cache cannot be reached as a session is revoked, and deleted by whichever
 * app process writes it to the cache, so the table is empty while the cache is healthy. It is
 * what lets a revocation outlive the process that made it and an outage of any length (see
 * docs/guarantees.md). Registered by QSessionsModule next to {@link QSession}.
 */
@Entity({ name: QSESSION_REVOCATION_TABLE })
export class QSessionRevocation {
  /** Order in which revocations were held. */
  @PrimaryGeneratedColumn({ name: 'id' })
  id: number;

  /** Digest of the revoked session; null when every cached session must be re-checked (users deleted). */
  @Column({ name: 'session_key', type: 'varchar', length: 64, nullable: true })
  sessionKey: string | null;

  /** When the revocation was held. */
  @Column({ name: 'created_at', precision: 3 })
  createdAt: Date;
}
