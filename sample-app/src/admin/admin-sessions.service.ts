import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QSession } from 'nest-qsessions';
import { Brackets, type Repository } from 'typeorm';
import type { User } from '../users/user.entity.js';
import type { AdminFilters, AdminListing, AdminSessionRow, StatusFilter } from '../views/admin.page.js';

export const ADMIN_PAGE_SIZE = 20;
const STATUSES: readonly StatusFilter[] = ['active', 'expired', 'all'];

/** Reads the list's filters from a query string or a form, falling back to the defaults. */
export function parseAdminFilters(input: Record<string, unknown>): AdminFilters {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const q = text(input.q).trim().slice(0, 100);
  const status = STATUSES.find((value) => value === input.status) ?? 'active';
  const page = /^\d{1,6}$/.test(text(input.page)) ? Math.max(1, Number(input.page)) : 1;
  return { q, status, page };
}

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern (ESCAPE '!'). */
function likeContains(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}

/**
 * The sessions admin's queries: straight on the library's `QSession` entity through the app's
 * own TypeORM repository, with the `user` relation, as Django's admin reads qsessions' model.
 */
@Injectable()
export class AdminSessionsService {
  constructor(@InjectRepository(QSession) private readonly qsessions: Repository<QSession>) {}

  async search(filters: AdminFilters, currentId: string | undefined, now = new Date()): Promise<AdminListing> {
    const query = this.qsessions.createQueryBuilder('s').leftJoinAndSelect('s.user', 'u');
    if (filters.status === 'active') query.where('s.expireDate > :now', { now });
    if (filters.status === 'expired') query.where('s.expireDate <= :now', { now });
    if (filters.q) {
      const pattern = likeContains(filters.q.toLowerCase());
      query.andWhere(
        new Brackets((match) =>
          match
            .where("LOWER(u.username) LIKE :pattern ESCAPE '!'", { pattern })
            .orWhere("LOWER(s.ip) LIKE :pattern ESCAPE '!'", { pattern }),
        ),
      );
    }
    const total = await query.getCount();
    const pages = Math.max(1, Math.ceil(total / ADMIN_PAGE_SIZE));
    const page = Math.min(filters.page, pages);
    const sessions = await query
      .orderBy('s.updatedAt', 'DESC')
      .addOrderBy('s.sessionKey', 'ASC')
      .offset((page - 1) * ADMIN_PAGE_SIZE)
      .limit(ADMIN_PAGE_SIZE)
      .getMany();
    const rows = await Promise.all(sessions.map((session) => this.toRow(session, currentId, now)));
    return { rows, total, pages, pageSize: ADMIN_PAGE_SIZE, filters: { ...filters, page } };
  }

  /** One session with its user, for the message after revoking it. */
  findOne(id: string): Promise<QSession | null> {
    return this.qsessions.findOne({ where: { sessionKey: id }, relations: { user: true } });
  }

  private async toRow(session: QSession, currentId: string | undefined, now: Date): Promise<AdminSessionRow> {
    return {
      id: session.sessionKey,
      user: (session.user as User | null | undefined) ?? null,
      ip: session.ip,
      // The entity's own helpers: device parsed from the stored User-Agent, GeoIP location.
      device: session.device(),
      location: await session.location(),
      createdAt: session.createdAt,
      lastActive: session.updatedAt,
      expiresAt: session.expireDate,
      active: session.expireDate.getTime() > now.getTime(),
      current: session.sessionKey === currentId,
    };
  }
}
