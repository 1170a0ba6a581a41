import { In, type DataSource, type Repository } from 'typeorm';
import type { HeldRevocation, RevocationLedger } from '../session/revocation-ledger.js';
import { QSessionRevocation } from './qsession-revocation.entity.js';

// Keeps `IN (...)` lists and multi-row inserts well under every driver's parameter limit.
const CHUNK = 500;

/** The revocation ledger in the app's database (`qsessions_revocation`), through TypeORM. */
export class TypeOrmRevocationLedger implements RevocationLedger {
  private readonly repository: Repository<QSessionRevocation>;

  constructor(
    dataSource: DataSource,
    private readonly now: () => number = Date.now,
  ) {
    this.repository = dataSource.getRepository(QSessionRevocation);
  }

  async hold(digests: readonly string[] | null): Promise<void> {
    const createdAt = new Date(this.now());
    const keys = digests === null ? [null] : digests;
    for (let start = 0; start < keys.length; start += CHUNK) {
      await this.repository.insert(keys.slice(start, start + CHUNK).map((sessionKey) => ({ sessionKey, createdAt })));
    }
  }

  async held(limit: number): Promise<HeldRevocation[]> {
    // The primary key's index answers it; while the cache is healthy the table is empty.
    const rows = await this.repository.find({
      select: { id: true, sessionKey: true },
      order: { id: 'ASC' },
      take: limit,
    });
    return rows.map((row) => ({ id: row.id, digest: row.sessionKey }));
  }

  async release(ids: readonly number[]): Promise<void> {
    for (let start = 0; start < ids.length; start += CHUNK) {
      await this.repository.delete({ id: In(ids.slice(start, start + CHUNK)) });
    }
  }
}
