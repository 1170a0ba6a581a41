import { BadRequestException, type LoggerService } from '@nestjs/common';
import { In, LessThan, type DataSource, type Repository } from 'typeorm';
import type { GeoIpLocator } from '../geoip/geoip-locator.js';
import type {
  EndedSession,
  EndingDetails,
  SessionHistoryEvent,
  SessionEnd,
  SessionHistoryRecorder,
  SignInNovelty,
} from '../session/session-history.js';
import type { SessionRecord, UserId } from '../session/session-record.js';
import { QSessionHistoryEntry } from '../typeorm/qsession-history.entity.js';
import { ClientFactsReader, type ClientFacts } from './client-facts.js';
import { decodeHistoryCursor, encodeHistoryCursor } from './history-cursor.js';
import type { HistoryQuery, SessionHistoryEntry, SessionHistoryPage } from './session-history-entry.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
/**
 * The latest sign-ins of a user a new one is compared with: a bound on the rows read per sign-in,
 * whatever the user's history holds (an API client signing in every minute), far more than one
 * person's devices and places.
 */
const COMPARED_SIGN_INS = 1000;
/** Entries deleted per statement when pruning. */
const PRUNE_BATCH = 1000;

/** A user's history through TypeORM: written by the session rules, read by SessionService. */
export class TypeOrmSessionHistory implements SessionHistoryRecorder {
  private readonly entries: Repository<QSessionHistoryEntry>;
  private readonly facts: ClientFactsReader;

  constructor(
    dataSource: DataSource,
    geoip: GeoIpLocator,
    private readonly retainDays: number,
    private readonly now: () => number,
    private readonly logger: Pick<LoggerService, 'error'>,
  ) {
    this.entries = dataSource.getRepository(QSessionHistoryEntry);
    this.facts = new ClientFactsReader(geoip);
  }

  signedIn(record: SessionRecord): Promise<SignInNovelty | null> {
    return this.safely('a sign-in', () => this.recordSignIn(record));
  }

  async ended(sessions: readonly EndedSession[], details: EndingDetails): Promise<void> {
    await this.safely(`sessions that ended (${details.event})`, () => this.recordEnded(sessions, details));
  }

  async endOf(digest: string): Promise<SessionEnd | null> {
    return this.safely('', () => this.findEnd(digest), false);
  }

  private async recordSignIn(record: SessionRecord): Promise<SignInNovelty> {
    const userId = record.userId!;
    const [facts] = await this.facts.describe([record]);
    const known = await this.knownClients(userId);
    const novelty = compareWithKnown(facts!, known);
    await this.entries.insert({
      ...this.entryFields(record, 'signed-in', facts!),
      reason: null,
      actor: null,
      newDevice: novelty.newDevice,
      newLocation: novelty.newLocation,
    });
    return novelty;
  }

  private async recordEnded(sessions: readonly EndedSession[], details: EndingDetails): Promise<void> {
    const owned = sessions.filter((session) => session.userId !== null);
    if (owned.length === 0) return;
    const facts = await this.facts.describe(owned);
    const rows = owned.map((session, index) => ({
      ...this.entryFields(session, details.event, facts[index]!),
      reason: details.reason,
      actor: details.actor ?? null,
      newDevice: null,
      newLocation: null,
    }));
    for (let start = 0; start < rows.length; start += PRUNE_BATCH) {
      await this.entries.insert(rows.slice(start, start + PRUNE_BATCH));
    }
  }

  private async findEnd(digest: string): Promise<SessionEnd | null> {
    const entry = await this.entries.findOne({
      select: { event: true, reason: true, at: true },
      where: { sessionId: digest },
      order: { at: 'DESC', id: 'DESC' },
    });
    if (!entry || entry.event === 'signed-in') return null;
    return { reason: entry.reason ?? entry.event, at: entry.at };
  }

  /** One page of the user's history, newest first (one index range scan of (user_id, at, id)). */
  async page(userId: UserId, query: HistoryQuery): Promise<SessionHistoryPage> {
    const limit = pageSize(query.limit);
    const builder = this.entries
      .createQueryBuilder('entry')
      .where('entry.userId = :userId', { userId })
      .orderBy('entry.at', 'DESC')
      .addOrderBy('entry.id', 'DESC')
      .limit(limit + 1);
    if (query.before !== undefined && query.before !== null) {
      const position = decodeHistoryCursor(query.before);
      const at = new Date(position.at);
      // `at <= :at` bounds the index range; the rest drops what the previous page showed.
      builder
        .andWhere('entry.at <= :at', { at })
        .andWhere('(entry.at < :at OR entry.id < :id)', { at, id: position.id });
    }
    const rows = await builder.getMany();
    const entries = rows.slice(0, limit).map(toEntry);
    const last = entries[entries.length - 1];
    const next = rows.length > limit && last ? encodeHistoryCursor({ at: last.at.getTime(), id: last.id }) : null;
    return { entries, next };
  }

  /** Every entry of the user, newest first. */
  async all(userId: UserId): Promise<SessionHistoryEntry[]> {
    const all: SessionHistoryEntry[] = [];
    let before: string | null = null;
    do {
      const page: SessionHistoryPage = await this.page(userId, { limit: MAX_PAGE, before });
      all.push(...page.entries);
      before = page.next;
    } while (before !== null);
    return all;
  }

  /** Deletes the user's entries; resolves to how many. */
  async erase(userId: UserId): Promise<number> {
    return (await this.entries.delete({ userId })).affected ?? 0;
  }

  /** Deletes entries older than `retainDays`, in bounded batches; resolves to how many. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.now() - this.retainDays * DAY_MS);
    let total = 0;
    for (;;) {
      const batch = await this.entries.find({
        select: { id: true },
        where: { at: LessThan(cutoff) },
        take: PRUNE_BATCH,
      });
      if (batch.length === 0) return total;
      await this.entries.delete({ id: In(batch.map((entry) => entry.id)) });
      total += batch.length;
      if (batch.length < PRUNE_BATCH) return total;
    }
  }

  /**
   * Runs a history step that follows a session change already stored: a failure is logged (a
   * write) or passed over (a read), never thrown, so the history never fails the request.
   */
  private async safely<T>(what: string, step: () => Promise<T>, log = true): Promise<T | null> {
    try {
      return await step();
    } catch (error) {
      if (log)
        this.logger.error(`Recording ${what} in the sign-in history failed: ${(error as Error)?.message ?? error}`);
      return null;
    }
  }

  /**
   * The devices and places of the user's latest {@link COMPARED_SIGN_INS} sign-ins within the
   * window: newest first through the (user_id, at, id) index, so a sign-in reads a bounded number
   * of rows however long the user's history is.
   */
  private knownClients(userId: UserId): Promise<Pick<ClientFacts, 'deviceKey' | 'country' | 'city'>[]> {
    const since = new Date(this.now() - this.retainDays * DAY_MS);
    return this.entries
      .createQueryBuilder('entry')
      .select('entry.deviceKey', 'deviceKey')
      .addSelect('entry.country', 'country')
      .addSelect('entry.city', 'city')
      .where('entry.userId = :userId', { userId })
      .andWhere('entry.at >= :since', { since })
      .andWhere('entry.event = :event', { event: 'signed-in' satisfies SessionHistoryEvent })
      .orderBy('entry.at', 'DESC')
      .addOrderBy('entry.id', 'DESC')
      .limit(COMPARED_SIGN_INS)
      .getRawMany();
  }

  private entryFields(session: EndedSession, event: SessionHistoryEvent, facts: ClientFacts) {
    return {
      userId: session.userId!,
      sessionId: session.digest,
      event,
      at: new Date(this.now()),
      ip: session.ip,
      userAgent: session.userAgent,
      ...facts,
    };
  }
}

/** What was new about a sign-in, against the user's known clients (see SignInNovelty). */
export function compareWithKnown(
  facts: ClientFacts,
  known: readonly Pick<ClientFacts, 'deviceKey' | 'country' | 'city'>[],
): SignInNovelty {
  const newDevice = known.length > 0 && !known.some((client) => client.deviceKey === facts.deviceKey);
  const located = known.filter((client) => client.country !== null);
  const newLocation =
    facts.country !== null &&
    located.length > 0 &&
    !located.some((client) => client.country === facts.country && (client.city ?? null) === facts.city);
  return { newDevice, newLocation, device: facts.device, location: facts.location };
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new BadRequestException(`A history page holds 1 to ${MAX_PAGE} entries; got ${String(limit)}.`);
  }
  return limit;
}

function toEntry(row: QSessionHistoryEntry): SessionHistoryEntry {
  return {
    id: Number(row.id),
    userId: row.userId,
    sessionId: row.sessionId,
    event: row.event as SessionHistoryEvent,
    reason: row.reason,
    actor: row.actor,
    at: row.at,
    ip: row.ip,
    userAgent: row.userAgent,
    device: row.device,
    location: row.location,
    newDevice: row.newDevice,
    newLocation: row.newLocation,
  };
}
