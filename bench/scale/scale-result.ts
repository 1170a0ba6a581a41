// What the session-management-at-scale script (run-scale.ts) reports to the orchestrator.

export interface TimingSummary {
  calls: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface MemorySample {
  /** Milliseconds since the operation started. */
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface ExplainedQuery {
  sql: string;
  parameters: unknown[];
  /** `EXPLAIN (ANALYZE, BUFFERS)` output, one plan line per line. */
  plan: string;
}

export interface ScaleResult {
  seed: {
    sessions: number;
    users: number;
    expired: number;
    /** Extra users with exactly `sessionsPerRevokedUser` live sessions each, for revokeAll(). */
    revokedUsers: number;
    sessionsPerRevokedUser: number;
    seconds: number;
  };
  list: TimingSummary & { sessionsPerCall: number };
  /**
   * The SELECT that list() runs, alone through `DataSource.query` (no library code), timed in
   * turn with the list() calls for other users: what the database round trip costs by itself.
   * Absent from results written before it was measured.
   */
  listStatementAlone?: TimingSummary;
  /**
   * `SELECT 1` through `DataSource.query`, timed in turn with the two above: a round trip that
   * reads nothing, so its tail is the host's (scheduling, the server's background work).
   * Absent from results written before it was measured.
   */
  roundTripAlone?: TimingSummary;
  /** The SQL that list() ran (captured through a TypeORM logger), explained on the seeded table. */
  listExplain: ExplainedQuery[];
  revokeAll: TimingSummary & { sessionsPerCall: number };
  clearExpired: {
    deleted: number;
    seconds: number;
    rowsPerSecond: number;
    rssBeforeBytes: number;
    /** VmHWM over the operation (reset right before it), or the largest sample if it cannot be reset. */
    peakRssBytes: number;
    rssAfterBytes: number;
    /** heapUsed after a full GC, before and after the operation: what it retained. */
    heapUsedBeforeBytes: number;
    heapUsedAfterBytes: number;
    /** Every 100 ms during the operation. */
    samples: MemorySample[];
  };
}
