import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { QSession } from '../../lib/index.js';
import { IntUser } from './users.js';

/** A random session digest, as the library stores them (SHA-256 hex of a cookie key). */
export function randomDigest(): string {
  return createHash('sha256').update(randomBytes(16)).digest('hex');
}

/** The digests of the rows written by {@link insertSessions}. */
export interface InsertedSessions {
  expired: string[];
  live: string[];
}

/**
 * Writes session rows straight into the table: `expired` rows that expired an hour ago and
 * `live` rows that expire tomorrow, every third one owned by a user (created here).
 */
export async function insertSessions(
  dataSource: DataSource,
  counts: { expired: number; live: number },
  now = Date.now(),
): Promise<InsertedSessions> {
  const users = await dataSource.getRepository(IntUser).save([{ username: 'ada' }, { username: 'grace' }]);
  const rows = (count: number, expireDate: Date) =>
    Array.from({ length: count }, (_, index) => ({
      sessionKey: randomDigest(),
      sessionData: JSON.stringify({ n: index }),
      expireDate,
      userId: index % 3 === 0 ? users[index % 2]!.id : null,
      userAgent: 'ClearExpiredTest/1.0',
      ip: '127.0.0.1',
      createdAt: new Date(now - 86_400_000),
      updatedAt: new Date(now - 3_600_000),
    }));
  const expired = rows(counts.expired, new Date(now - 3_600_000));
  const live = rows(counts.live, new Date(now + 86_400_000));
  const all = [...expired, ...live];
  // Chunks keep every driver under its parameter limit.
  for (let start = 0; start < all.length; start += 200) {
    await dataSource.getRepository(QSession).insert(all.slice(start, start + 200));
  }
  return { expired: expired.map((row) => row.sessionKey), live: live.map((row) => row.sessionKey) };
}

/** The digests left in the table, sorted. */
export async function remainingDigests(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.getRepository(QSession).find({ select: { sessionKey: true } });
  return rows.map((row) => row.sessionKey).sort();
}
