import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

let registered: PrometheusExporter | null = null;

/**
 * Registers, once per process, a MeterProvider read by the Prometheus exporter as the global one,
 * as an app's main.ts would before creating its Nest app: nest-qsessions takes its meter when its
 * module starts, so a provider registered later would see nothing. The exporter starts no server
 * of its own (`preventServerStart`): the app serves its text at `/metrics` (MetricsController).
 */
export function registerPrometheusMetrics(): PrometheusExporter {
  if (registered) return registered;
  const exporter = new PrometheusExporter({ preventServerStart: true });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
  registered = exporter;
  return exporter;
}
