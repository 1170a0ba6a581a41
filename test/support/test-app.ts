import { randomUUID } from 'node:crypto';
import 'reflect-metadata';
import { Logger, type DynamicModule, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import {
  getQSessionsClockToken,
  QSessionsModule,
  SessionService,
  type QSessionsClock,
  type QSessionsModuleOptions,
} from '../../lib/index.js';
import type { KeyValueSessionCache } from '../../lib/cache/key-value-session-cache.js';
import { QSESSIONS_SESSION_CACHE, QSESSIONS_STORE } from '../../lib/qsessions.constants.js';
import { dataSourceOptions, ensureDatabase } from './databases.js';
import { testRedisCache, type Variant } from './matrix.js';
import { SessionQueryCounter } from './query-counter.js';
import { TestController } from './test.controller.js';
import { IntUser, UuidUser } from './users.js';

export interface TestAppOptions {
  userEntity?: typeof IntUser | typeof UuidUser;
  /** Extra QSessionsModule options (engine and cache come from the variant). */
  qsessions?: Omit<QSessionsModuleOptions, 'engine'>;
  controllers?: Type[];
  providers?: Provider[];
  imports?: Array<Type | DynamicModule>;
  /** Keep the tables of a previous app on the same database (default: start empty). */
  keepSchema?: boolean;
  /** For sqlite variants: a database file instead of memory (to share it between two apps). */
  sqliteFile?: string;
  /** The module's clock, given as a test would: overriding its token (default: the real time). */
  clock?: QSessionsClock;
  /** The WebSocket adapter for the app's gateways (default: none set, Nest's socket.io default). */
  webSocketAdapter?: 'socket.io' | 'ws';
}

export interface TestApp {
  app: INestApplication;
  url: string;
  dataSource: DataSource;
  queries: SessionQueryCounter;
  sessions: SessionService;
  /** The prefix this app's Redis keys use (so that parallel tests never collide). */
  cacheKeyPrefix: string;
  close(): Promise<void>;
}

/** Starts a real Nest app for a variant, listening on a free loopback port. */
export async function startTestApp(variant: Variant, options: TestAppOptions = {}): Promise<TestApp> {
  await ensureDatabase(variant.database);
  const queries = new SessionQueryCounter();
  const userEntity = options.userEntity ?? IntUser;
  const cacheKeyPrefix = `qsessions-test:${randomUUID()}:`;
  const cacheOptions =
    variant.engine === 'cached_db'
      ? {
          cache: {
            keyPrefix: cacheKeyPrefix,
            ...(variant.cache === 'redis' ? testRedisCache() : { useAppCacheManager: false }),
            ...options.qsessions?.cache,
          },
        }
      : {};
  const connection: DataSourceOptions =
    variant.database === 'sqlite' && options.sqliteFile
      ? { type: 'better-sqlite3', database: options.sqliteFile }
      : dataSourceOptions(variant.database);
  const moduleImports = [
    TypeOrmModule.forRoot({
      ...connection,
      entities: [IntUser, UuidUser],
      autoLoadEntities: true,
      synchronize: true,
      dropSchema: !options.keepSchema,
      retryAttempts: 0,
      logging: ['query'],
      logger: queries,
    }),
    QSessionsModule.forRoot({ ...options.qsessions, userEntity, engine: variant.engine, ...cacheOptions }),
    ...(options.imports ?? []),
  ];

  class TestAppModule {}
  const { Module } = await import('@nestjs/common');
  Module({
    imports: moduleImports,
    controllers: options.controllers ?? [TestController],
    providers: options.providers ?? [],
  })(TestAppModule);

  const adapter = variant.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = options.clock
    ? await createWithClock(TestAppModule, adapter, options.clock)
    : await NestFactory.create(TestAppModule, adapter, { logger: quietLogger() });
  if (options.webSocketAdapter) app.useWebSocketAdapter(await webSocketAdapter(options.webSocketAdapter, app));
  await app.listen(0, '127.0.0.1');
  if (variant.engine === 'cached_db' && variant.cache === 'redis') await cacheTrusted(app);
  const address = app.getHttpServer().address() as { port: number };
  const { getDataSourceToken } = await import('@nestjs/typeorm');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    queries,
    sessions: app.get(SessionService),
    cacheKeyPrefix,
    close: () => app.close(),
  };
}

/** The app built through Nest's testing module, with the clock's token overridden as the docs show. */
async function createWithClock(
  appModule: Type,
  adapter: ExpressAdapter | FastifyAdapter,
  clock: QSessionsClock,
): Promise<INestApplication> {
  const { Test } = await import('@nestjs/testing');
  const moduleRef = await Test.createTestingModule({ imports: [appModule] })
    .overrideProvider(getQSessionsClockToken())
    .useValue(clock)
    .compile();
  return moduleRef.createNestApplication(adapter, { logger: quietLogger() });
}

async function webSocketAdapter(kind: 'socket.io' | 'ws', app: INestApplication) {
  if (kind === 'ws') return new (await import('@nestjs/platform-ws')).WsAdapter(app);
  return new (await import('@nestjs/platform-socket.io')).IoAdapter(app);
}

/** The store the app runs on (to check the engine chosen). */
export function storeOf(testApp: TestApp): unknown {
  return testApp.app.get(QSESSIONS_STORE);
}

/** Errors only, unless QSESSIONS_TEST_LOGS is set: keeps test output readable. */
function quietLogger(): false | ('error' | 'warn' | 'log')[] {
  return process.env.QSESSIONS_TEST_LOGS ? ['error', 'warn', 'log'] : ['error'];
}

export { Logger };

/**
 * Waits (2 s at most) until the app's first check of a shared cache has passed: until then a new
 * process reads sessions from the database (docs/guarantees.md), which suites counting queries
 * would see as misses. Milliseconds with one Redis, about 150 ms on a cluster.
 */
async function cacheTrusted(app: INestApplication): Promise<void> {
  const cache = app.get<KeyValueSessionCache>(QSESSIONS_SESSION_CACHE);
  for (let waited = 0; !cache.trusted && waited < 2000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
