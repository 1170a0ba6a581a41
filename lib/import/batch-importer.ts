import type { DataSource } from 'typeorm';
import type { SessionRecord, UserId } from '../session/session-record.js';
import { DuplicateSessionError, type SessionStore } from '../session/session-store.js';
import { findExistingDigests } from './existing-digests.js';
import { ExistingUsers } from './existing-users.js';
import { convertExpressSession, type ConversionRules } from './express-session-data.js';
import type { ExpressSessionImportReport } from './import-report.js';
import { importReceiptDigest, legacySessionDigest } from '../session/legacy-session-id.js';
import type { LegacySession } from './legacy-session-source.js';

/** Where a {@link BatchImporter} writes. */
export interface ImportTarget {
  dataSource: DataSource;
  /** The engine's store: the table, or the table behind the app's cache (entries in the app's format). */
  store: SessionStore;
  /** The table alone: receipts are never read through the cache, so they are never cached. */
  database: SessionStore;
}

/** A session that passed conversion, with the two rows it may become. */
interface Candidate {
  digest: string;
  receipt: string;
  data: string;
  expireDate: Date;
  userId: UserId | null;
}

/**
 * Imports batches of express-session sessions into a report. Per batch: convert each session,
 * look up (in one query per chunk) which were imported before and which users exist, then write
 * the rest through the engine's own store. Each imported session gets a receipt row (see
 * importReceiptDigest) written after it, so a run that stops in between is completed by the next.
 */
export class BatchImporter {
  private readonly users: ExistingUsers;

  constructor(
    private readonly target: ImportTarget,
    private readonly rules: Omit<ConversionRules, 'now'>,
    private readonly report: ExpressSessionImportReport,
    private readonly now: () => number = Date.now,
  ) {
    this.users = new ExistingUsers(target.dataSource);
  }

  async import(batch: readonly LegacySession[]): Promise<void> {
    const now = this.now();
    this.report.read += batch.length;
    const candidates = new Map<string, Candidate>();
    for (const session of batch) {
      const converted = convertExpressSession(session, { ...this.rules, now });
      if (!converted.ok) {
        this.report.skipped[converted.reason]++;
      } else if (candidates.has(session.sid)) {
        this.report.skipped.alreadyImported++;
      } else {
        const { data, expireDate, userId } = converted;
        const [digest, receipt] = [legacySessionDigest(session.sid), importReceiptDigest(session.sid)];
        candidates.set(session.sid, { digest, receipt, data, expireDate, userId });
      }
    }

    const existing = await findExistingDigests(
      this.target.dataSource,
      [...candidates.values()].flatMap((candidate) => [candidate.digest, candidate.receipt]),
    );
    const fresh: Candidate[] = [];
    const receiptsMissing: Candidate[] = [];
    for (const candidate of candidates.values()) {
      if (existing.has(candidate.receipt) || existing.has(candidate.digest)) {
        this.report.skipped.alreadyImported++;
        // Imported by a run that stopped before writing the receipt.
        if (!existing.has(candidate.receipt)) receiptsMissing.push(candidate);
      } else {
        fresh.push(candidate);
      }
    }

    const owners = fresh.flatMap((candidate) => (candidate.userId === null ? [] : [candidate.userId]));
    const users = await this.users.find(owners);
    const accepted = fresh.filter((candidate) => {
      if (candidate.userId === null || users.has(this.users.key(candidate.userId))) return true;
      this.report.skipped.unknownUser++;
      return false;
    });

    if (this.report.dryRun) {
      this.report.imported += accepted.length;
      return;
    }
    await settleAll([
      ...accepted.map((candidate) => this.write(candidate, now)),
      ...receiptsMissing.map((candidate) => this.writeReceipt(candidate, now)),
    ]);
  }

  private async write(candidate: Candidate, now: number): Promise<void> {
    try {
      await this.target.store.create(this.record(candidate.digest, candidate, now));
      this.report.imported++;
    } catch (error) {
      // Another import running at the same time got there first.
      if (!(error instanceof DuplicateSessionError)) throw error;
      this.report.skipped.alreadyImported++;
    }
    await this.writeReceipt(candidate, now);
  }

  private async writeReceipt(candidate: Candidate, now: number): Promise<void> {
    // An empty, ownerless row: it is never served (no cookie leads to it) and never listed.
    const receipt = { ...this.record(candidate.receipt, candidate, now), data: '{}', userId: null };
    try {
      await this.target.database.create(receipt);
    } catch (error) {
      if (!(error instanceof DuplicateSessionError)) throw error;
    }
  }

  private record(digest: string, candidate: Candidate, now: number): SessionRecord {
    return {
      digest,
      data: candidate.data,
      userId: candidate.userId,
      // Unknown until the browser comes back: its first request records them (the exchange saves).
      ip: null,
      userAgent: null,
      expireDate: candidate.expireDate,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      // When the user signed in is not known: a step-up asks them to confirm who they are.
      reauthenticatedAt: null,
      label: null,
      clientHints: null,
    };
  }
}

/** Waits for every write, then throws the first failure (none is left running behind the error). */
async function settleAll(work: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
