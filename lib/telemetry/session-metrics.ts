import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import type { Subscription } from 'rxjs';
import type { SessionEvent } from '../events/session-event.js';
import type { SessionEvents } from '../events/session-events.js';
import type { SessionTelemetry } from '../session/session-telemetry.js';
import { RevocationReasonAttributes } from './revocation-reason-attributes.js';

/** Bucket bounds of the store's latency, in seconds: a cache hit (sub-millisecond) to a stalled database. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Bucket bounds of the revocation propagation time, in seconds: a Redis round trip to a congested link. */
const PROPAGATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Names of the metrics, as docs/production.md lists them. */
export const METRIC_NAMES = {
  created: 'qsessions.sessions.created',
  rotated: 'qsessions.sessions.rotated',
  revoked: 'qsessions.sessions.revoked',
  expired: 'qsessions.sessions.expired',
  cleared: 'qsessions.sessions.cleared',
  cacheHits: 'qsessions.cache.hits',
  cacheMisses: 'qsessions.cache.misses',
  nearCacheHits: 'qsessions.cache.near_hits',
  breakerOpenings: 'qsessions.cache.breaker.openings',
  storeDuration: 'qsessions.store.duration',
  propagation: 'qsessions.revocation.propagation',
} as const;

/**
 * The library's metrics, over one OpenTelemetry meter. The session counters follow the session
 * events; the cache and the session rules report through {@link SessionTelemetry}; the store
 * wrapper and the live channel record the histograms. Every attribute set is made once (no
 * session, user, address or key is ever an attribute), so recording allocates nothing.
 */
export class SessionMetrics implements SessionTelemetry {
  private readonly created: Counter;
  private readonly rotated: Counter;
  private readonly revoked: Counter;
  private readonly expired: Counter;
  private readonly cleared: Counter;
  private readonly hits: Counter;
  private readonly misses: Counter;
  private readonly nearHits: Counter;
  private readonly breakerOpenings: Counter;
  private readonly storeDuration: Histogram;
  private readonly propagation: Histogram;
  private readonly reasons = new RevocationReasonAttributes();

  constructor(meter: Meter) {
    const sessions = (name: string, description: string) =>
      meter.createCounter(name, { description, unit: '{session}' });
    this.created = sessions(METRIC_NAMES.created, 'Sessions stored for the first time (a sign-in included).');
    this.rotated = sessions(METRIC_NAMES.rotated, 'Stored sessions moved to a new key at a sign-in.');
    this.revoked = sessions(
      METRIC_NAMES.revoked,
      'Sessions ended, by reason (an app-given reason is recorded as "app").',
    );
    this.expired = sessions(METRIC_NAMES.expired, 'Stored sessions presented after their end.');
    this.cleared = sessions(METRIC_NAMES.cleared, 'Expired sessions deleted by clearExpired().');
    const lookups = (name: string, description: string) => meter.createCounter(name, { description, unit: '{lookup}' });
    this.hits = lookups(METRIC_NAMES.cacheHits, 'Session lookups the cache answered without the database.');
    this.misses = lookups(METRIC_NAMES.cacheMisses, 'Session lookups the database answered.');
    this.nearHits = lookups(METRIC_NAMES.nearCacheHits, "Cache hits answered by this process's copy of Redis.");
    this.breakerOpenings = meter.createCounter(METRIC_NAMES.breakerOpenings, {
      description: 'Times the session cache failed and requests went to the database until it answered again.',
      unit: '{opening}',
    });
    this.storeDuration = meter.createHistogram(METRIC_NAMES.storeDuration, {
      description: 'Duration of session store operations, by operation and engine.',
      unit: 's',
      advice: { explicitBucketBoundaries: STORE_BUCKETS },
    });
    this.propagation = meter.createHistogram(METRIC_NAMES.propagation, {
      description: 'Time from the end of a session on one process to its message reaching another (Redis pub/sub).',
      unit: 's',
      advice: { explicitBucketBoundaries: PROPAGATION_BUCKETS },
    });
  }

  /** Counts the sessions created, rotated and revoked, as the events say, until the stream completes. */
  observe(events: SessionEvents): Subscription {
    return events.stream.subscribe((event) => this.count(event));
  }

  private count(event: SessionEvent): void {
    // A sign-in of a session never stored before stores a new one: a creation, not a move.
    if (event.type === 'created' || (event.type === 'rotated' && event.previousId === null)) this.created.add(1);
    else if (event.type === 'rotated') this.rotated.add(1);
    else if (event.type === 'revoked') this.revoked.add(event.ids.length, this.reasons.of(event.reason));
  }

  sessionExpired(): void {
    this.expired.add(1);
  }

  cacheHit(near: boolean): void {
    this.hits.add(1);
    if (near) this.nearHits.add(1);
  }

  cacheMiss(): void {
    this.misses.add(1);
  }

  cacheBreakerOpened(): void {
    this.breakerOpenings.add(1);
  }

  /** Expired sessions that clearExpired() deleted. */
  sessionsCleared(count: number): void {
    if (count > 0) this.cleared.add(count);
  }

  /** One store operation's duration; `attributes` are one of the sets made once per operation and engine. */
  storeOperation(seconds: number, attributes: Attributes): void {
    this.storeDuration.record(seconds, attributes);
  }

  /** Time from a session's end on another process to its message here (never negative: see docs/production.md). */
  propagated(seconds: number): void {
    this.propagation.record(Math.max(0, seconds));
  }
}
