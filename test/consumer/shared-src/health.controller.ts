import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { QSessionsHealthIndicator } from 'nest-qsessions/health';

// The health indicator of the nest-qsessions/health subpath, with the app's own @nestjs/terminus
// (11 in the CommonJS app, 12 in the ESM one).
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sessions: QSessionsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.sessions.isHealthy('sessions')]);
  }
}
