import type { Attributes, SpanOptions, SpanStatusCode, Tracer } from '@opentelemetry/api';
import { isWellFormedDigest } from '../session/session-key.js';
import type { EndedSession } from '../session/session-history.js';
import type { SessionRecord, UserId } from '../session/session-record.js';
import type { SessionStore } from '../session/session-store.js';
import type { SessionMetrics } from './session-metrics.js';

/** The engine a store wrapper reports as the `engine` attribute. */
export type StoreEngine = 'db' | 'cached_db';

/** The span attributes the store's spans carry (never a key, a user or an address). */
export const STORE_SPAN_ATTRIBUTES = {
  operation: 'qsessions.store.operation',
  engine: 'qsessions.engine',
  /** The session's public id (SessionView.id), when the operation is about one session. */
  sessionId: 'qsessions.session.id',
  /** How many sessions the operation was given or returned, when it is about several. */
  sessionCount: 'qsessions.sessions.count',
  outcome: 'qsessions.outcome',
} as const;

type Operation = keyof SessionStore;

/** The store's operations as the `operation` attribute and the span names say them. */
const OPERATION_NAMES: Record<Operation, string> = {
  get: 'get',
  create: 'create',
  update: 'update',
  delete: 'delete',
  deleteOfUser: 'delete_of_user',
  relabelOfUser: 'relabel_of_user',
  listByUser: 'list_by_user',
  liveDigestsOfUser: 'live_digests_of_user',
  deleteExpiredBatch: 'delete_expired_batch',
  recheckUserSessions: 'recheck_user_sessions',
};

/** What one operation records under, made once per store. */
interface OperationTelemetry {
  spanName: string;
  spanOptions: SpanOptions;
  metricAttributes: Attributes;
}

/** What a traced call says about its result: the outcome, and how many sessions when it is about several. */
type Describe<T> = (result: T) => [outcome: string, count?: number];

const done: Describe<unknown> = () => ['ok'];
const found: Describe<unknown> = (result) => [result ? 'found' : 'not_found'];
const counted: Describe<readonly unknown[]> = (result) => ['ok', result.length];
const updated: Describe<boolean> = (ok) => [ok ? 'updated' : 'gone'];
const deletedCount: Describe<number> = (deleted) => ['ok', deleted];

/** Tracing, when the app registered a tracer provider: the tracer and the API's error status code. */
export interface StoreTracing {
  tracer: Tracer;
  errorStatus: SpanStatusCode;
}

/**
 * The session store of the app with its latency recorded (histogram `qsessions.store.duration`)
 * and, when tracing, a span per operation (`qsessions.store.<operation>`) with the session's
 * public id, the engine and the outcome. Without tracing, the session reads and writes (the
 * per-request operations) make no closure and no attribute: a clock read, and one histogram
 * record with a set of attributes made once.
 */
export class InstrumentedSessionStore implements SessionStore {
  private readonly operations: Record<Operation, OperationTelemetry>;

  constructor(
    /** The store that does the work. */
    readonly inner: SessionStore,
    engine: StoreEngine,
    private readonly metrics: SessionMetrics | null,
    private readonly tracing: StoreTracing | null,
  ) {
    const entries = Object.entries(OPERATION_NAMES).map(([operation, name]) => [
      operation,
      {
        spanName: `qsessions.store.${name}`,
        spanOptions: {
          attributes: { [STORE_SPAN_ATTRIBUTES.operation]: name, [STORE_SPAN_ATTRIBUTES.engine]: engine },
        },
        metricAttributes: Object.freeze({ operation: name, engine }),
      },
    ]);
    this.operations = Object.fromEntries(entries) as Record<Operation, OperationTelemetry>;
  }

  // Each operation: when tracing, inside a span; otherwise timed as it is, with no closure made.

  get(digest: string): Promise<SessionRecord | null> {
    const started = performance.now();
    if (this.tracing) return this.traced('get', started, digest, () => this.inner.get(digest), found);
    return this.timed('get', started, this.inner.get(digest));
  }

  create(record: SessionRecord): Promise<void> {
    const started = performance.now();
    if (this.tracing) return this.traced('create', started, record.digest, () => this.inner.create(record), done);
    return this.timed('create', started, this.inner.create(record));
  }

  update(record: SessionRecord): Promise<boolean> {
    const started = performance.now();
    if (this.tracing) return this.traced('update', started, record.digest, () => this.inner.update(record), updated);
    return this.timed('update', started, this.inner.update(record));
  }

  delete(digests: readonly string[]): Promise<number> {
    const started = performance.now();
    const id = digests.length === 1 ? digests[0]! : null;
    if (this.tracing) return this.traced('delete', started, id, () => this.inner.delete(digests), deletedCount);
    return this.timed('delete', started, this.inner.delete(digests));
  }

  deleteOfUser(userId: UserId, digest: string): Promise<boolean> {
    const started = performance.now();
    const call = () => this.inner.deleteOfUser(userId, digest);
    return this.tracing
      ? this.traced('deleteOfUser', started, digest, call, found)
      : this.timed('deleteOfUser', started, call());
  }

  relabelOfUser(userId: UserId, digest: string, label: string | null): Promise<boolean> {
    const started = performance.now();
    const call = () => this.inner.relabelOfUser(userId, digest, label);
    return this.tracing
      ? this.traced('relabelOfUser', started, digest, call, found)
      : this.timed('relabelOfUser', started, call());
  }

  listByUser(userId: UserId): Promise<SessionRecord[]> {
    const started = performance.now();
    const call = () => this.inner.listByUser(userId);
    return this.tracing
      ? this.traced('listByUser', started, null, call, counted)
      : this.timed('listByUser', started, call());
  }

  liveDigestsOfUser(userId: UserId): Promise<string[]> {
    const started = performance.now();
    const call = () => this.inner.liveDigestsOfUser(userId);
    return this.tracing
      ? this.traced('liveDigestsOfUser', started, null, call, counted)
      : this.timed('liveDigestsOfUser', started, call());
  }

  async deleteExpiredBatch(limit: number): Promise<EndedSession[]> {
    const started = performance.now();
    const call = () => this.inner.deleteExpiredBatch(limit);
    const batch = await (this.tracing
      ? this.traced('deleteExpiredBatch', started, null, call, counted)
      : this.timed('deleteExpiredBatch', started, call()));
    this.metrics?.sessionsCleared(batch.length);
    return batch;
  }

  recheckUserSessions(): Promise<void> {
    const started = performance.now();
    const call = () => this.inner.recheckUserSessions();
    return this.tracing
      ? this.traced('recheckUserSessions', started, null, call, done)
      : this.timed('recheckUserSessions', started, call());
  }

  /** Records how long `pending` took, whether it settles or fails. */
  private async timed<T>(operation: Operation, started: number, pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } finally {
      this.metrics?.storeOperation((performance.now() - started) / 1000, this.operations[operation].metricAttributes);
    }
  }

  /** Runs `call` inside an active span (the database client's own spans nest under it), then records it. */
  private traced<T>(
    operation: Operation,
    started: number,
    id: string | null,
    call: () => Promise<T>,
    describe: Describe<T>,
  ): Promise<T> {
    const { tracer, errorStatus } = this.tracing!;
    const { spanName, spanOptions } = this.operations[operation];
    return tracer.startActiveSpan(spanName, spanOptions, async (span) => {
      // Only an id of the public id's shape: a caller's unchecked string never becomes an attribute.
      if (id !== null && isWellFormedDigest(id)) span.setAttribute(STORE_SPAN_ATTRIBUTES.sessionId, id);
      try {
        const result = await this.timed(operation, started, call());
        const [outcome, count] = describe(result);
        span.setAttribute(STORE_SPAN_ATTRIBUTES.outcome, outcome);
        if (count !== undefined) span.setAttribute(STORE_SPAN_ATTRIBUTES.sessionCount, count);
        return result;
      } catch (error) {
        span.setAttribute(STORE_SPAN_ATTRIBUTES.outcome, 'error');
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: errorStatus, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
