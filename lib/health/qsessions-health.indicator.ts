import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import type { ChosenCache } from '../cache/create-cache.js';
import { KeyValueSessionCache } from '../cache/key-value-session-cache.js';
import type { ResolvedQSessionsOptions } from '../options/resolved-options.js';
import {
  QSESSIONS_CACHE,
  QSESSIONS_DATA_SOURCE,
  QSESSIONS_RESOLVED_OPTIONS,
  QSESSIONS_SESSION_CACHE,
} from '../qsessions.constants.js';
import type { SessionCache } from '../session/session-cache.js';
import { cacheHealth } from './cache-probe.js';
import { probeDatabase } from './database-probe.js';
import type { QSessionsCacheHealth, QSessionsDatabaseHealth, QSessionsHealthDetails } from './health-details.js';
import { passwordOf } from './safe-message.js';

/** Options of {@link QSessionsHealthIndicator.isHealthy}. */
export interface QSessionsHealthOptions {
  /**
   * Report the indicator `down` (HTTP 503) when the cache is not fully working, not only when the
   * database is not. Default false: sessions keep working from the database while the cache is
   * down, slow or distrusted, so that is `up` with the cache's `status: 'degraded'`.
   */
  cacheRequired?: boolean;
  /** How long the database lookup may take before the database counts as down, in ms. Default 1000. */
  timeoutMs?: number;
}

/** What {@link QSessionsHealthIndicator.isHealthy} resolves to: terminus's result under `key`. */
export type QSessionsHealthResult<TKey extends string = string> = HealthIndicatorResult<
  TKey,
  'up' | 'down',
  QSessionsHealthDetails
>;

const DEFAULT_TIMEOUT_MS = 1000;

/**
 * A `@nestjs/terminus` health indicator for the sessions: the database (a lookup in the sessions
 * table, with its latency) and the `cached_db` engine's cache (its kind, its circuit breaker,
 * whether cached sessions are served, a probe read), reported separately. It never creates a
 * session, writes nothing to the table or the cache and sets no cookie.
 *
 * Add it to the providers of the module of your health controller, next to `TerminusModule` in
 * its imports. It injects the module's internals, so QSessionsModule must be visible there: it is
 * global by default; registered with `isGlobal: false`, import that registration too.
 *
 * @example
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.sessions.isHealthy('sessions')]);
 * }
 * ```
 */
@Injectable()
export class QSessionsHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(QSESSIONS_RESOLVED_OPTIONS) private readonly options: ResolvedQSessionsOptions,
    @Inject(QSESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(QSESSIONS_SESSION_CACHE) private readonly sessionCache: SessionCache | null,
    @Inject(QSESSIONS_CACHE) private readonly chosenCache: ChosenCache | null,
  ) {}

  /**
   * Checks the database and the cache (both at once) and reports them under `key`: `up` while
   * the database answers (the cache's own `status` says whether it is `up` or `degraded`); `down`
   * (terminus answers 503) when the database does not, or, with `cacheRequired`, when the cache
   * is not `up`.
   */
  async isHealthy<const TKey extends string = 'sessions'>(
    key: TKey = 'sessions' as TKey,
    options: QSessionsHealthOptions = {},
  ): Promise<QSessionsHealthResult<TKey>> {
    const secrets = this.secrets();
    const [database, cache] = await Promise.all([
      probeDatabase(this.dataSource, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, secrets),
      this.cacheHealth(options.cacheRequired ?? false, secrets),
    ]);
    const details: QSessionsHealthDetails = { engine: this.options.engine, database };
    if (cache) details.cache = cache;
    const message = downMessage(database, cache);
    const indicator = this.health.check(key);
    return message === null ? indicator.up(details) : indicator.down({ ...details, message });
  }

  private cacheHealth(cacheRequired: boolean, secrets: readonly string[]): Promise<QSessionsCacheHealth | null> {
    // Null with the `db` engine (or a test that overrides the cache with null): no cache to check.
    if (!(this.sessionCache instanceof KeyValueSessionCache)) return Promise.resolve(null);
    return cacheHealth({
      sessionCache: this.sessionCache,
      chosen: this.chosenCache,
      timeoutMs: this.options.cache.timeoutMs,
      cacheRequired,
      secrets,
    });
  }

  /** The passwords of the connections, which no message may show. */
  private secrets(): string[] {
    const connection = this.dataSource.options as { password?: unknown; url?: unknown };
    return [
      ...(typeof connection.password === 'string' && connection.password ? [connection.password] : []),
      ...passwordOf(connection.url),
      ...passwordOf(this.options.cache.redisUrl),
    ];
  }
}

/** Why the indicator is down, or null when it is up. */
function downMessage(database: QSessionsDatabaseHealth, cache: QSessionsCacheHealth | null): string | null {
  const reasons = [
    ...(database.status === 'down' ? [`The sessions database does not answer: ${database.message}`] : []),
    ...(cache?.status === 'down' ? [cache.message!] : []),
  ];
  return reasons.length === 0 ? null : reasons.join(' ');
}
