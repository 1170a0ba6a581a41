import { In, type DataSource } from 'typeorm';
import { QSession } from '../typeorm/qsession.entity.js';

// Keeps `IN (...)` lists well under every driver's parameter limit.
const CHUNK = 500;

/** Which of `digests` are primary keys of rows in the sessions table (expired rows included). */
export async function findExistingDigests(dataSource: DataSource, digests: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const repository = dataSource.getRepository(QSession);
  for (let start = 0; start < digests.length; start += CHUNK) {
    const rows = await repository.find({
      select: { sessionKey: true },
      where: { sessionKey: In(digests.slice(start, start + CHUNK)) },
    });
    for (const row of rows) found.add(row.sessionKey);
  }
  return found;
}
