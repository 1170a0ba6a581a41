import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/**
 * `GET /metrics`: the app's metrics (nest-qsessions' among them) in Prometheus's text format, for
 * a Prometheus server to scrape. Only with SAMPLE_METRICS=1; it needs no session, and reads none.
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(PrometheusExporter) private readonly exporter: PrometheusExporter) {}

  @Get()
  scrape(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.exporter.getMetricsRequestHandler(request, response);
  }
}
