import type { DataSource } from 'typeorm';
import { QSession } from '../typeorm/qsession.entity.js';
import { withTimeout } from '../util/with-timeout.js';
import type { QSessionsDatabaseHealth } from './health-details.js';
import { elapsedMs, safeMessage } from './safe-message.js';

// A primary key no session can have: keys are stored as SHA-256 hex digests, and this is not hex.
const ABSENT_KEY = 'health-check-'.padEnd(64, '-');

/**
 * Looks up a session that cannot exist in the sessions table, through the module's DataSource:
 * one round trip that proves the database answers and the table is there, reading no row and
 * writing nothing. Never throws: a failure or a lookup slower than `timeoutMs` is `down`.
 */
export async function probeDatabase(
  dataSource: DataSource,
  timeoutMs: number,
  secrets: readonly string[],
): Promise<QSessionsDatabaseHealth> {
  const startedAt = performance.now();
  try {
    if (!dataSource.isInitialized) {
      throw new Error('The TypeORM DataSource is not connected (not initialized yet, or destroyed).');
    }
    const lookup = dataSource
      .getRepository(QSession)
      .createQueryBuilder('probe')
      .select('1', 'found')
      .where('probe.sessionKey = :key', { key: ABSENT_KEY })
      .limit(1)
      .getRawMany();
    await withTimeout(lookup, timeoutMs, 'The sessions table');
    return { status: 'up', latencyMs: elapsedMs(startedAt) };
  } catch (error) {
    return { status: 'down', latencyMs: elapsedMs(startedAt), message: safeMessage(error, secrets) };
  }
}
