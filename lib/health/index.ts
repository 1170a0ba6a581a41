// nest-qsessions/health: the @nestjs/terminus health indicator. A subpath of its own, so that
// apps without @nestjs/terminus (an optional peer) never load it.
export {
  QSessionsHealthIndicator,
  type QSessionsHealthOptions,
  type QSessionsHealthResult,
} from './qsessions-health.indicator.js';
export type {
  QSessionsCacheBreakerHealth,
  QSessionsCacheHealth,
  QSessionsCacheKind,
  QSessionsCacheProbeHealth,
  QSessionsDatabaseHealth,
  QSessionsHealthDetails,
} from './health-details.js';
