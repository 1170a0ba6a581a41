import { endOfTurn } from '../util/end-of-turn.js';
import type { SessionRecord } from './session-record.js';

/** Where a batch of session reads goes: one round trip for many digests. */
export interface SessionReadSource<Row> {
  /**
   * The stored rows of these (distinct) digests, keyed by digest; digests without a row are
   * simply absent. A source may leave out rows that expired by `now` (the earliest of the
   * batch's reads), or return them: each read drops a row expired at its own time.
   */
  readMany(digests: string[], now: Date): Promise<Map<string, Row>>;
  /** A fresh record of one row (every waiter gets its own, so none shares mutable state). */
  build(digest: string, row: Row): SessionRecord;
}

interface PendingRead {
  digest: string;
  now: Date;
  resolve(record: SessionRecord | null): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the session reads asked for during one turn of the event loop into as few database
 * round trips as possible.
 *
 * Under load Node reads every socket that is ready in one go, so the requests of a turn all ask
 * for their session before any query could answer. Each read is held until the end of that turn's I/O
 * callbacks (endOfTurn) and then all of them go out together, `maxBatch` digests per
 * statement. A lone request waits only for the rest of the turn it arrived in (microseconds);
 * under load one query, one pooled connection and one socket write serve many requests. Profiled
 * on the `db` engine on PostgreSQL, the write of each query to the server's socket was the largest
 * single cost of a session read in the app process, larger than TypeORM, pg and our own code
 * together.
 *
 * Each read keeps its row only if it is live at its own `now`, so a read answers exactly as an
 * unbatched one would.
 * A failed statement fails every read of its batch with the same error.
 */
export class SessionReadBatch<Row> {
  private pending: PendingRead[] = [];
  private scheduled = false;

  constructor(
    private readonly source: SessionReadSource<Row>,
    /** Digests per statement (keeps an `IN (...)` list short and its plan an index lookup). */
    private readonly maxBatch: number,
    /** Called for each read that found its row expired (a session presented past its end). */
    private readonly onExpired: () => void = () => undefined,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
  }

  /** The live session with this digest at `now`, or null. */
  read(digest: string, now: Date): Promise<SessionRecord | null> {
    return new Promise((resolve, reject) => {
      this.pending.push({ digest, now, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // The same shared yield as the in-memory cache's lookups: one timer per turn in all.
        void endOfTurn().then(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    // Reads of one digest in the same turn (one browser's parallel requests) share a lookup.
    const byDigest = new Map<string, PendingRead[]>();
    for (const read of pending) {
      const same = byDigest.get(read.digest);
      if (same) same.push(read);
      else byDigest.set(read.digest, [read]);
    }
    const groups = [...byDigest.values()];
    for (let start = 0; start < groups.length; start += this.maxBatch) {
      void this.run(groups.slice(start, start + this.maxBatch));
    }
  };

  private async run(groups: PendingRead[][]): Promise<void> {
    let earliest = groups[0]![0]!.now;
    for (const group of groups) {
      for (const read of group) if (read.now < earliest) earliest = read.now;
    }
    let rows: Map<string, Row>;
    try {
      rows = await this.source.readMany(
        groups.map((group) => group[0]!.digest),
        earliest,
      );
    } catch (error) {
      for (const group of groups) for (const read of group) read.reject(error);
      return;
    }
    for (const group of groups) {
      const row = rows.get(group[0]!.digest);
      for (const read of group) {
        if (row === undefined) {
          read.resolve(null);
          continue;
        }
        try {
          const record = this.source.build(read.digest, row);
          const live = record.expireDate.getTime() > read.now.getTime();
          if (!live) this.onExpired();
          read.resolve(live ? record : null);
        } catch (error) {
          read.reject(error);
        }
      }
    }
  }
}
