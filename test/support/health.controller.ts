import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { QSessionsHealthIndicator } from '../../lib/health/index.js';

/** The health endpoints an app would write: the default check, one that requires the cache, one with a short timeout. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sessions: QSessionsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.sessions.isHealthy()]);
  }

  @Get('strict')
  @HealthCheck()
  strict() {
    return this.health.check([() => this.sessions.isHealthy('sessions', { cacheRequired: true })]);
  }

  @Get('impatient')
  @HealthCheck()
  impatient() {
    return this.health.check([() => this.sessions.isHealthy('sessions', { timeoutMs: 300 })]);
  }
}
