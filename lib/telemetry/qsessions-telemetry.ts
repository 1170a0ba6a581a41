import type { SessionEvents } from '../events/session-events.js';
import type { SessionStore } from '../session/session-store.js';
import { InstrumentedSessionStore, type StoreEngine, type StoreTracing } from './instrumented-session-store.js';
import {
  INSTRUMENTATION_NAME,
  loadOpenTelemetryApi,
  packageVersion,
  type OpenTelemetryApiModule,
} from './open-telemetry-api.js';
import { SessionMetrics } from './session-metrics.js';

/** What the app records: metrics when it registered a meter provider, spans when it registered a tracer provider. */
export interface QSessionsTelemetry {
  readonly metrics: SessionMetrics | null;
  readonly tracing: StoreTracing | null;
}

/**
 * The app's telemetry, once the module starts: null when `@opentelemetry/api` is not installed,
 * or when no SDK registered a meter or tracer provider with it by then (the API would only hand
 * out its no-ops), so that such an app pays nothing per request. The session counters follow
 * `events` from now on.
 */
export async function openQSessionsTelemetry(events: SessionEvents): Promise<QSessionsTelemetry | null> {
  const api = await loadOpenTelemetryApi();
  const telemetry = api ? telemetryOf(api) : null;
  telemetry?.metrics?.observe(events);
  return telemetry;
}

/** The meter and tracer the API hands out, unless they are its own no-ops. */
export function telemetryOf(api: OpenTelemetryApiModule): QSessionsTelemetry | null {
  const version = packageVersion();
  const meter = api.metrics.getMeter(INSTRUMENTATION_NAME, version);
  const metrics = meter === api.createNoopMeter() ? null : new SessionMetrics(meter);
  // The global tracer provider is a proxy: it has a delegate once an SDK registered one.
  const provider = api.trace.getTracerProvider();
  const registered =
    !(provider instanceof api.ProxyTracerProvider) ||
    provider.getDelegateTracer(INSTRUMENTATION_NAME, version) !== undefined;
  const tracing = registered
    ? { tracer: api.trace.getTracer(INSTRUMENTATION_NAME, version), errorStatus: api.SpanStatusCode.ERROR }
    : null;
  return metrics || tracing ? { metrics, tracing } : null;
}

/** The store as the app uses it: measured and traced when there is telemetry, as it is otherwise. */
export function instrumentStore(
  store: SessionStore,
  engine: StoreEngine,
  telemetry: QSessionsTelemetry | null,
): SessionStore {
  return telemetry ? new InstrumentedSessionStore(store, engine, telemetry.metrics, telemetry.tracing) : store;
}
