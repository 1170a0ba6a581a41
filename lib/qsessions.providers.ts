import { Logger, type Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Cache } from 'cache-manager';
import type { DataSource } from 'typeorm';
import { MemorySessionCache } from './cache/memory-session-cache.js';
import { SharedSessionCache, TOMBSTONE_TTL_MS } from './cache/shared-session-cache.js';
import { chooseCache, type ChosenCache } from './cache/create-cache.js';
import { mayRunInSeveralProcesses } from './cache/process-count.js';
import { CachedSessionStore } from './core/cached-session-store.js';
import type { SessionCache } from './core/session-cache.js';
import type { SessionStore } from './core/session-store.js';
import { SessionEvents } from './events/session-events.js';
import { GeoIpLocator } from './geoip/geoip-locator.js';
import { SessionLifecycle } from './http/session-lifecycle.js';
import { resolveOptions } from './options/resolve-options.js';
import type { ResolvedQSessionsOptions } from './options/resolved-options.js';
import {
  APP_CACHE_MANAGER,
  QSESSIONS_CACHE,
  QSESSIONS_DATA_SOURCE,
  QSESSIONS_EVENTS,
  QSESSIONS_GEOIP,
  QSESSIONS_LIFECYCLE,
  QSESSIONS_MODULE_OPTIONS,
  QSESSIONS_RESOLVED_OPTIONS,
  QSESSIONS_SESSION_CACHE,
  QSESSIONS_STORE,
} from './qsessions.constants.js';
import type { QSessionsModuleOptions } from './qsessions.options.js';
import { QSession } from './typeorm/qsession.entity.js';
import { TypeOrmSessionStore } from './typeorm/typeorm-session-store.js';

/** The providers behind QSessionsModule, given the DataSource name known at import time. */
export function createQSessionsProviders(dataSourceName: string | undefined): Provider[] {
  const logger = new Logger('QSessions');
  return [
    {
      provide: QSESSIONS_RESOLVED_OPTIONS,
      inject: [QSESSIONS_MODULE_OPTIONS],
      useFactory: (options: QSessionsModuleOptions) => {
        const resolved = resolveOptions(options);
        if ((resolved.dataSource ?? undefined) !== dataSourceName) {
          throw new Error(
            'nest-qsessions: with forRootAsync(), give `dataSource` next to `userEntity`, not from the factory: ' +
              'the DataSource is chosen before the factory runs.',
          );
        }
        return resolved;
      },
    },
    {
      provide: QSESSIONS_DATA_SOURCE,
      inject: [getDataSourceToken(dataSourceName)],
      useFactory: (dataSource: DataSource) => {
        if (!dataSource.hasMetadata(QSession)) {
          throw new Error(
            `nest-qsessions: the TypeORM DataSource${dataSourceName ? ` "${dataSourceName}"` : ''} does not know the ` +
              'QSession entity. Set `autoLoadEntities: true` in TypeOrmModule.forRoot(), or add QSession to its `entities`.',
          );
        }
        return dataSource;
      },
    },
    {
      provide: QSESSIONS_CACHE,
      inject: [QSESSIONS_RESOLVED_OPTIONS, { token: APP_CACHE_MANAGER, optional: true }],
      useFactory: async (options: ResolvedQSessionsOptions, appCache?: Cache): Promise<ChosenCache | null> => {
        if (options.engine !== 'cached_db') return null;
        const chosen = await chooseCache(options.cache, appCache, logger);
        logger.log(`cached_db engine using the ${describeCache(chosen)}.`);
        if (!chosen && mayRunInSeveralProcesses()) {
          logger.warn(
            'cached_db with the in-memory cache while this app seems to run in several processes (cluster or PM2): ' +
              'each process has its own cache, so a session revoked in one stays usable in the others until it ' +
              "expires there. Set `cache.redisUrl` (shared by all processes) or use engine 'db'.",
          );
        }
        return chosen;
      },
    },
    {
      provide: QSESSIONS_SESSION_CACHE,
      inject: [QSESSIONS_RESOLVED_OPTIONS, QSESSIONS_CACHE],
      useFactory: (options: ResolvedQSessionsOptions, chosen: ChosenCache | null): SessionCache | null => {
        if (options.engine !== 'cached_db') return null;
        if (!chosen) return new MemorySessionCache(options.cache.maxEntries, TOMBSTONE_TTL_MS);
        return new SharedSessionCache(
          chosen.entries,
          {
            keyPrefix: options.cache.keyPrefix,
            timeoutMs: options.cache.timeoutMs,
            tombstoneTtlMs: TOMBSTONE_TTL_MS,
            near: chosen.keyTracking && { changes: chosen.keyTracking, capacity: options.cache.maxEntries },
          },
          logger,
        );
      },
    },
    {
      provide: QSESSIONS_STORE,
      inject: [QSESSIONS_DATA_SOURCE, QSESSIONS_SESSION_CACHE],
      useFactory: (dataSource: DataSource, cache: SessionCache | null): SessionStore => {
        const database = new TypeOrmSessionStore(dataSource);
        return cache ? new CachedSessionStore(database, cache) : database;
      },
    },
    { provide: QSESSIONS_EVENTS, useFactory: () => new SessionEvents() },
    {
      provide: QSESSIONS_GEOIP,
      inject: [QSESSIONS_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedQSessionsOptions) => new GeoIpLocator(options.geoip, new Logger('QSessions GeoIP')),
    },
    {
      provide: QSESSIONS_LIFECYCLE,
      inject: [QSESSIONS_STORE, QSESSIONS_RESOLVED_OPTIONS, QSESSIONS_EVENTS],
      useFactory: (store: SessionStore, options: ResolvedQSessionsOptions, events: SessionEvents) =>
        new SessionLifecycle(store, options, logger, events),
    },
  ];
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
      return "app's CACHE_MANAGER";
  }
}
