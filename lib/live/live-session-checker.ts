import type { SessionEnd } from '../session/session-history.js';
import type { SessionRecord } from '../session/session-record.js';
import type { WarningSink } from '../util/warn-once.js';
import type { LiveConnectionRegistry } from './live-connection-registry.js';

/** What the checker reads about sessions (the lifecycle). */
export interface LiveSessionSource {
  usableRecord(digest: string): Promise<SessionRecord | null>;
  usableUntil(record: SessionRecord): number;
  endOf(digest: string): Promise<SessionEnd | null>;
}

/** Sessions read again per batch: their reads share statements (see the store's read batching). */
const BATCH_SIZE = 500;
/** setTimeout's largest delay (about 24.8 days); a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Ends the live connections of sessions that ended without this process hearing of it, and of
 * sessions that expire while connected:
 * - each connected session has a timer at the moment it stops being usable (its expiry, or the
 *   end of the absolute lifetime); when it fires the session is read again, and its connections
 *   are closed unless it was used meanwhile (which moved the expiry: the timer is re-armed);
 * - every `checkIntervalMs`, every connected session is read again, in batches, for the ends
 *   no message brought (another process without a shared Redis, a message lost in an outage).
 * A read that fails (the store is down) closes nothing: the next check tries again.
 */
export class LiveSessionChecker {
  private readonly expiries = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private interval: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly registry: LiveConnectionRegistry,
    private readonly source: LiveSessionSource,
    private readonly checkIntervalMs: number,
    private readonly logger: WarningSink,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows a connected session from its record (its expiry); starts the periodic check. */
  follow(record: SessionRecord): void {
    this.arm(record.digest, this.source.usableUntil(record));
    if (this.interval) return;
    this.interval = setInterval(() => void this.checkAll(), this.checkIntervalMs);
    this.interval.unref();
  }

  /** Stops following a session that has no connection left here. */
  forget(digest: string): void {
    const expiry = this.expiries.get(digest);
    if (!expiry) return;
    clearTimeout(expiry.timer);
    this.expiries.delete(digest);
  }

  /** Reads every connected session again (one check at a time); resolves when done. */
  checkAll(): Promise<void> {
    this.checking ??= this.checkInBatches(this.registry.sessions()).finally(() => (this.checking = null));
    return this.checking;
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    for (const digest of [...this.expiries.keys()]) this.forget(digest);
  }

  private async checkInBatches(digests: string[]): Promise<void> {
    for (let start = 0; start < digests.length; start += BATCH_SIZE) {
      await this.check(digests.slice(start, start + BATCH_SIZE));
    }
  }

  private arm(digest: string, at: number): void {
    const current = this.expiries.get(digest);
    if (current?.at === at) return;
    if (current) clearTimeout(current.timer);
    const delay = Math.min(Math.max(at - this.now(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => void this.check([digest]), delay);
    timer.unref();
    this.expiries.set(digest, { at, timer });
  }

  /** Reads these sessions again now, closing the connections of those that ended. */
  async check(digests: string[]): Promise<void> {
    const records = await Promise.all(digests.map((digest) => this.source.usableRecord(digest).catch(() => undefined)));
    const gone: string[] = [];
    let unreadable = 0;
    records.forEach((record, index) => {
      const digest = digests[index]!;
      if (!this.registry.has(digest)) return this.forget(digest);
      if (record === undefined) unreadable++;
      else if (record === null) gone.push(digest);
      else this.arm(digest, this.source.usableUntil(record));
    });
    if (unreadable > 0) {
      this.logger.warn(`Could not read ${unreadable} connected session(s) to check them; trying again later.`);
      // Retried at the next interval; an expiry timer that fired is re-armed a little later.
      for (const digest of digests)
        if ((this.expiries.get(digest)?.at ?? Infinity) <= this.now()) this.retryLater(digest);
    }
    await Promise.all(gone.map((digest) => this.end(digest)));
  }

  private retryLater(digest: string): void {
    this.arm(digest, this.now() + Math.min(this.checkIntervalMs, 5000));
  }

  private async end(digest: string): Promise<void> {
    const knownUntil = this.expiries.get(digest)?.at;
    this.forget(digest);
    const reason =
      knownUntil !== undefined && knownUntil <= this.now()
        ? 'expired'
        : ((await this.source.endOf(digest).catch(() => null))?.reason ?? 'ended');
    this.registry.end([digest], reason);
  }
}
