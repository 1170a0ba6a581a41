import { Logger, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Cache } from 'cache-manager';
import type { DataSource } from 'typeorm';
import { chooseCache, type ChosenCache } from './cache/create-cache.js';
import { createSessionCache } from './cache/create-session-cache.js';
import { severalProcessesWarning, type PerProcessCache } from './cache/process-count.js';
import { CachedSessionStore } from './session/cached-session-store.js';
import type { SessionCache } from './session/session-cache.js';
import type { SessionStore } from './session/session-store.js';
import { SessionEvents } from './events/session-events.js';
import { GeoIpLocator } from './geoip/geoip-locator.js';
import { SessionCommitInterceptor } from './http/session-commit.interceptor.js';
import { SessionLifecycle } from './session/session-lifecycle.js';
import { resolveOptions } from './options/resolve-options.js';
import type { ResolvedQSessionsOptions } from './options/resolved-options.js';
import {
  APP_CACHE_MANAGER,
  QSESSIONS_CACHE,
  QSESSIONS_CLOCK,
  QSESSIONS_DATA_SOURCE,
  QSESSIONS_EVENTS,
  QSESSIONS_GEOIP,
  QSESSIONS_HISTORY,
  QSESSIONS_LIFECYCLE,
  QSESSIONS_REVOKE_LINKS,
  QSESSIONS_OPTIONS_WITH_DATA_SOURCE,
  QSESSIONS_RESOLVED_OPTIONS,
  QSESSIONS_SESSION_CACHE,
  QSESSIONS_STORE,
  QSESSIONS_TELEMETRY,
} from './qsessions.constants.js';
import type { QSessionsModuleOptions } from './qsessions.options.js';
import { QSession } from './typeorm/qsession.entity.js';
import { QSessionRevocation } from './typeorm/qsession-revocation.entity.js';
import { TypeOrmRevocationLedger } from './typeorm/typeorm-revocation-ledger.js';
import { TypeOrmSessionStore } from './typeorm/typeorm-session-store.js';
import { QSessionHistoryEntry } from './typeorm/qsession-history.entity.js';
import { QSessionRevokeLink } from './typeorm/qsession-revoke-link.entity.js';
import { TypeOrmSessionHistory } from './history/typeorm-session-history.js';
import { TypeOrmRevokeLinks } from './history/typeorm-revoke-links.js';
import { systemClock, type QSessionsClock } from './util/clock.js';
import { instrumentStore, openQSessionsTelemetry, type QSessionsTelemetry } from './telemetry/qsessions-telemetry.js';

/** The providers behind QSessionsModule, given the DataSource name known at import time. */
export function createQSessionsProviders(dataSourceName: string | undefined): Provider[] {
  const logger = new Logger('QSessions');
  return [
    {
      provide: QSESSIONS_RESOLVED_OPTIONS,
      inject: [QSESSIONS_OPTIONS_WITH_DATA_SOURCE],
      useFactory: (options: QSessionsModuleOptions) => resolveForDataSource(options, dataSourceName),
    },
    { provide: QSESSIONS_CLOCK, useValue: systemClock },
    {
      provide: QSESSIONS_DATA_SOURCE,
      inject: [getDataSourceToken(dataSourceName)],
      useFactory: (dataSource: DataSource) => assertKnowsSessions(dataSource, dataSourceName),
    },
    ...storageProviders(logger),
    { provide: QSESSIONS_EVENTS, useFactory: () => new SessionEvents() },
    {
      provide: QSESSIONS_GEOIP,
      inject: [QSESSIONS_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedQSessionsOptions) => new GeoIpLocator(options.geoip, new Logger('QSessions GeoIP')),
    },
    ...historyProviders(logger),
    {
      provide: QSESSIONS_LIFECYCLE,
      inject: [
        QSESSIONS_STORE,
        QSESSIONS_RESOLVED_OPTIONS,
        QSESSIONS_EVENTS,
        QSESSIONS_CLOCK,
        QSESSIONS_HISTORY,
        QSESSIONS_TELEMETRY,
      ],
      useFactory: (
        store: SessionStore,
        options: ResolvedQSessionsOptions,
        events: SessionEvents,
        clock: QSessionsClock,
        history: TypeOrmSessionHistory | null,
        telemetry: QSessionsTelemetry | null,
      ) =>
        new SessionLifecycle(
          store,
          options,
          logger,
          events,
          () => clock.now(),
          history,
          telemetry?.metrics ?? undefined,
        ),
    },
    // Saves the session inside Nest's pipeline, so that a failed save reaches the app's exception filters.
    { provide: APP_INTERCEPTOR, useClass: SessionCommitInterceptor },
  ];
}

/** The cache, the telemetry and the store over them (measured and traced when the app has an SDK). */
function storageProviders(logger: Logger): Provider[] {
  return [
    {
      provide: QSESSIONS_CACHE,
      inject: [QSESSIONS_RESOLVED_OPTIONS, { token: APP_CACHE_MANAGER, optional: true }],
      useFactory: (options: ResolvedQSessionsOptions, appCache?: Cache) => pickCache(options, appCache, logger),
    },
    // `@opentelemetry/api` is an optional peer: imported here, when the module starts.
    { provide: QSESSIONS_TELEMETRY, inject: [QSESSIONS_EVENTS], useFactory: openQSessionsTelemetry },
    {
      provide: QSESSIONS_SESSION_CACHE,
      inject: [
        QSESSIONS_RESOLVED_OPTIONS,
        QSESSIONS_CACHE,
        QSESSIONS_DATA_SOURCE,
        QSESSIONS_CLOCK,
        QSESSIONS_TELEMETRY,
      ],
      useFactory: (
        options: ResolvedQSessionsOptions,
        chosen: ChosenCache | null,
        dataSource: DataSource,
        clock: QSessionsClock,
        telemetry: QSessionsTelemetry | null,
      ) => openSessionCache(options, chosen, dataSource, { logger, now: () => clock.now(), telemetry }),
    },
    {
      provide: QSESSIONS_STORE,
      inject: [QSESSIONS_DATA_SOURCE, QSESSIONS_SESSION_CACHE, QSESSIONS_CLOCK, QSESSIONS_TELEMETRY],
      useFactory: (
        dataSource: DataSource,
        cache: SessionCache | null,
        clock: QSessionsClock,
        telemetry: QSessionsTelemetry | null,
      ): SessionStore => {
        const now = () => clock.now();
        const database = new TypeOrmSessionStore(dataSource, now, telemetry?.metrics ?? undefined);
        const store = cache ? new CachedSessionStore(database, cache, now) : database;
        return instrumentStore(store, cache ? 'cached_db' : 'db', telemetry);
      },
    },
  ];
}

/** The sign-in history and its revoke links: null unless the `history` option is on. */
function historyProviders(logger: Logger): Provider[] {
  return [
    {
      provide: QSESSIONS_HISTORY,
      inject: [QSESSIONS_RESOLVED_OPTIONS, QSESSIONS_DATA_SOURCE, QSESSIONS_GEOIP, QSESSIONS_CLOCK],
      useFactory: (
        options: ResolvedQSessionsOptions,
        dataSource: DataSource,
        geoip: GeoIpLocator,
        clock: QSessionsClock,
      ) =>
        options.history
          ? new TypeOrmSessionHistory(
              assertKnowsHistory(dataSource, options.dataSource),
              geoip,
              options.history.retainDays,
              () => clock.now(),
              logger,
            )
          : null,
    },
    {
      provide: QSESSIONS_REVOKE_LINKS,
      inject: [QSESSIONS_RESOLVED_OPTIONS, QSESSIONS_DATA_SOURCE, QSESSIONS_CLOCK],
      useFactory: (options: ResolvedQSessionsOptions, dataSource: DataSource, clock: QSessionsClock) =>
        options.history
          ? new TypeOrmRevokeLinks(assertKnowsHistory(dataSource, options.dataSource), () => clock.now())
          : null,
    },
  ];
}

/** The options, checked and completed, once sure they name the registration's DataSource. */
function resolveForDataSource(
  options: QSessionsModuleOptions,
  dataSourceName: string | undefined,
): ResolvedQSessionsOptions {
  const resolved = resolveOptions(options);
  if ((resolved.dataSource ?? undefined) !== dataSourceName) {
    throw new Error(
      'nest-qsessions: with forRootAsync(), give `dataSource` next to `userEntity`, not from the factory: ' +
        'the DataSource is chosen before the factory runs.',
    );
  }
  return resolved;
}

/** The DataSource, once sure it knows the QSession entity. */
function assertKnowsSessions(dataSource: DataSource, dataSourceName: string | undefined): DataSource {
  if (dataSource.hasMetadata(QSession)) return dataSource;
  throw new Error(
    `nest-qsessions: the TypeORM DataSource${dataSourceName ? ` "${dataSourceName}"` : ''} does not know the ` +
      'QSession entity. Set `autoLoadEntities: true` in TypeOrmModule.forRoot(), or add QSession to its `entities`.',
  );
}

/** The cache-manager cache of `cached_db` (null: the built-in one), said at start-up with any warning due. */
async function pickCache(
  options: ResolvedQSessionsOptions,
  appCache: Cache | undefined,
  logger: Logger,
): Promise<ChosenCache | null> {
  if (options.engine !== 'cached_db') return null;
  const chosen = await chooseCache(options.cache, appCache, logger);
  // Without `instance` or `redisUrl`, a null choice with an app cache under 'auto' means
  // that chooseCache found it in-process and declined it: said once, with the way out.
  const declinedAppCache = !chosen && appCache !== undefined && options.cache.useAppCacheManager === 'auto';
  logger.log(declinedAppCache ? DECLINED_APP_CACHE : `cached_db engine using the ${describeCache(chosen)}.`);
  const warning = severalProcessesWarning(perProcessCache(chosen));
  if (warning) logger.warn(warning);
  return chosen;
}

/** The session cache over the chosen cache: this process's memory, or a shared one with its guarantee. */
function openSessionCache(
  options: ResolvedQSessionsOptions,
  chosen: ChosenCache | null,
  dataSource: DataSource,
  { logger, now, telemetry }: { logger: Logger; now: () => number; telemetry: QSessionsTelemetry | null },
): SessionCache | null {
  if (options.engine !== 'cached_db') return null;
  const { keyPrefix, maxEntries, timeoutMs } = options.cache;
  // Only a shared cache needs the held revocations: this process's memory loses nothing.
  const ledger = chosen
    ? new TypeOrmRevocationLedger(assertKnowsRevocations(dataSource, options.dataSource), now)
    : undefined;
  const report = telemetry?.metrics ?? undefined;
  return createSessionCache(chosen, { keyPrefix, maxEntries, timeoutMs, ledger, logger, now, telemetry: report });
}

/** The DataSource, once sure it knows the held-revocations entity (a shared cache needs its table). */
function assertKnowsRevocations(dataSource: DataSource, dataSourceName: string | undefined): DataSource {
  if (dataSource.hasMetadata(QSessionRevocation)) return dataSource;
  throw new Error(
    `nest-qsessions: the TypeORM DataSource${dataSourceName ? ` "${dataSourceName}"` : ''} does not know the ` +
      'QSessionRevocation entity, which a shared session cache needs (it holds revocations the cache could not ' +
      'take). Set `autoLoadEntities: true` in TypeOrmModule.forRoot(), or add QSessionRevocation to its `entities` ' +
      'next to QSession.',
  );
}

/** The DataSource, once sure it knows the history's entities (the `history` option needs their tables). */
function assertKnowsHistory(dataSource: DataSource, dataSourceName: string | undefined): DataSource {
  if (dataSource.hasMetadata(QSessionHistoryEntry) && dataSource.hasMetadata(QSessionRevokeLink)) return dataSource;
  throw new Error(
    `nest-qsessions: the TypeORM DataSource${dataSourceName ? ` "${dataSourceName}"` : ''} does not know the ` +
      'QSessionHistoryEntry and QSessionRevokeLink entities, which the `history` option needs. Set ' +
      '`autoLoadEntities: true` in TypeOrmModule.forRoot(), or add them to its `entities` next to QSession.',
  );
}

const DECLINED_APP_CACHE =
  "cached_db engine using its own bounded in-memory cache, not the app's CACHE_MANAGER: that one keeps its " +
  'entries in this process, not bounded by `cache.maxEntries` and not seen by other processes. Set ' +
  '`cache: { useAppCacheManager: true }` to use it anyway, or `cache: { redisUrl }` to share sessions between processes.';

/** Which cache, if any, keeps this process's sessions to itself (see severalProcessesWarning). */
function perProcessCache(chosen: ChosenCache | null): PerProcessCache | null {
  if (!chosen) return 'own';
  if (chosen.shared || chosen.source === 'redis') return null;
  return chosen.source;
}

function describeCache(chosen: ChosenCache | null): string {
  if (!chosen) return 'in-memory cache of this process (use Redis when several processes serve the app)';
  switch (chosen.source) {
    case 'instance':
      return 'cache given in `cache.instance`';
    case 'redis':
      return chosen.keyTracking
        ? 'Redis cache at `cache.redisUrl`, with copies kept in this process until Redis reports a change'
        : 'Redis cache at `cache.redisUrl`';
    case 'app':
      return chosen.shared
        ? "app's CACHE_MANAGER"
        : "app's CACHE_MANAGER, whose store keeps entries in this process (`useAppCacheManager: true`)";
  }
}
