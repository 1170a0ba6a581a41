import { metrics, trace, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** One metric's data points as read: attributes and value (a sum, or a histogram's count). */
export interface PointReading {
  attributes: Attributes;
  value: number;
  /** For a histogram: the sum of the recorded values. */
  sum?: number;
  /** For a histogram: the smallest recorded value. */
  min?: number;
}

/** What every metric read at one moment: name → points (cumulative since the provider started). */
export type MetricsReading = Map<string, PointReading[]>;

/**
 * A real OpenTelemetry SDK, registered globally for a test file, as an app's main.ts would before
 * creating the Nest app: a MeterProvider whose reader exports to memory on demand, and a tracer
 * provider whose spans go to memory as they end.
 */
export class TelemetryRecorder {
  readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly spanExporter = new InMemorySpanExporter();
  private readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    // Never on its own during a test: read() exports when asked.
    exportIntervalMillis: 3_600_000,
  });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spanExporter)],
  });

  /** Registers both providers as the process's global ones. */
  register(options: { traces?: boolean } = {}): this {
    if (!metrics.setGlobalMeterProvider(this.meterProvider)) throw new Error('a global MeterProvider was already set');
    if (options.traces !== false && !trace.setGlobalTracerProvider(this.tracerProvider)) {
      throw new Error('a global TracerProvider was already set');
    }
    return this;
  }

  /** Every metric as of now. */
  async read(): Promise<MetricsReading> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const reading: MetricsReading = new Map();
    for (const resource of this.metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) reading.set(metric.descriptor.name, pointsOf(metric));
      }
    }
    return reading;
  }

  /** The spans ended so far. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
    metrics.disable();
    trace.disable();
  }
}

function pointsOf(metric: MetricData): PointReading[] {
  if (metric.dataPointType === DataPointType.HISTOGRAM) {
    return metric.dataPoints.map((point) => ({
      attributes: point.attributes,
      value: point.value.count,
      sum: point.value.sum,
      min: point.value.min,
    }));
  }
  if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
    return metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value as number }));
  }
  return [];
}

/** The total of a metric's points whose attributes include `where` (a counter's sum, a histogram's count). */
export function total(reading: MetricsReading, name: string, where: Attributes = {}): number {
  return (reading.get(name) ?? [])
    .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + point.value, 0);
}

/** How much each counter moved between two readings, per attribute set (only those that moved). */
export function moved(before: MetricsReading, after: MetricsReading, names: readonly string[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of names) {
    for (const point of after.get(name) ?? []) {
      const key = `${name}${attributesLabel(point.attributes)}`;
      const earlier = (before.get(name) ?? []).find(
        (candidate) => attributesLabel(candidate.attributes) === attributesLabel(point.attributes),
      );
      const delta = point.value - (earlier?.value ?? 0);
      if (delta !== 0) result[key] = delta;
    }
  }
  return result;
}

function attributesLabel(attributes: Attributes): string {
  const entries = Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '' : `{${entries.map(([key, value]) => `${key}=${String(value)}`).join(',')}}`;
}

/** Every attribute value of every metric point and span (names too), to check none is a secret. */
export function everyAttributeValue(reading: MetricsReading, spans: readonly ReadableSpan[]): string[] {
  const values: string[] = [];
  for (const points of reading.values()) {
    for (const point of points) values.push(...Object.values(point.attributes).map(String));
  }
  for (const span of spans) {
    values.push(span.name, ...Object.values(span.attributes).map(String));
    for (const event of span.events) values.push(...Object.values(event.attributes ?? {}).map(String));
  }
  return values;
}
