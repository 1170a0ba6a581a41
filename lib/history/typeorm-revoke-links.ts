import { createHash, randomBytes } from 'node:crypto';
import { In, LessThan, MoreThan, type DataSource, type Repository } from 'typeorm';
import type { UserId } from '../session/session-record.js';
import { QSessionRevokeLink } from '../typeorm/qsession-revoke-link.entity.js';

/** 32 random bytes, base64url: what a link carries. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const PRUNE_BATCH = 1000;

/** What a used link ends. */
export interface RevokeLinkTarget {
  userId: UserId;
  sessionId: string;
}

/**
 * "This wasn't me" links in `qsessions_revoke_link`: only the SHA-256 of each token is stored,
 * and a link works once (the delete that consumes it decides, so two clicks at once end the
 * session once).
 */
export class TypeOrmRevokeLinks {
  private readonly links: Repository<QSessionRevokeLink>;

  constructor(
    dataSource: DataSource,
    private readonly now: () => number,
  ) {
    this.links = dataSource.getRepository(QSessionRevokeLink);
  }

  /** A new link's token for one of the user's sessions, valid for `ttlMs`. */
  async create(target: RevokeLinkTarget, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.links.insert({ tokenDigest: digestOf(token), ...target, expiresAt: new Date(this.now() + ttlMs) });
    return token;
  }

  /**
   * What the link of `token` ends, consuming it; null for a token of another shape (no query),
   * unknown, expired, or already used.
   */
  async consume(token: unknown): Promise<RevokeLinkTarget | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
    const tokenDigest = digestOf(token);
    const link = await this.links.findOne({
      select: { tokenDigest: true, userId: true, sessionId: true },
      where: { tokenDigest, expiresAt: MoreThan(new Date(this.now())) },
    });
    if (!link) return null;
    const { affected } = await this.links.delete({ tokenDigest });
    return affected === 1 ? { userId: link.userId, sessionId: link.sessionId } : null;
  }

  /** Deletes the user's links; resolves to how many. */
  async erase(userId: UserId): Promise<number> {
    return (await this.links.delete({ userId })).affected ?? 0;
  }

  /** Deletes expired links in bounded batches; resolves to how many. */
  async prune(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.links.find({
        select: { tokenDigest: true },
        where: { expiresAt: LessThan(new Date(this.now())) },
        take: PRUNE_BATCH,
      });
      if (batch.length === 0) return total;
      await this.links.delete({ tokenDigest: In(batch.map((link) => link.tokenDigest)) });
      total += batch.length;
      if (batch.length < PRUNE_BATCH) return total;
    }
  }
}

function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
