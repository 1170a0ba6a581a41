import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { LogLevel } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { getQSessionsClockToken, type QSessionsClock } from '../../lib/index.js';
import { AppModule } from '../../sample-app/src/app.module.js';
import { configureSampleApp, createSampleApp } from '../../sample-app/src/bootstrap.js';
import { loadSampleConfig } from '../../sample-app/src/config.js';
import { ensureDatabaseExists } from '../../sample-app/src/database.js';
import { postgresPort, testDatabaseName } from './databases.js';
import { redisClusterNodes, redisUrl, type CacheKind, type DatabaseKind } from './matrix.js';

/** MaxMind's test databases, kept in the repository (test/fixtures/geoip/README.md). */
export const GEOIP_FIXTURES = fileURLToPath(new URL('../fixtures/geoip/', import.meta.url));

/**
 * The sample app's environment for a test: a fresh database (SQLite in memory or a file, or this
 * Jest worker's own `<db>_sample` database on PostgreSQL / MariaDB, emptied at start-up), the
 * GeoIP test databases, and X-Forwarded-For trusted from loopback so that tests choose where
 * each "browser" comes from.
 */
export function sampleEnv(
  database: DatabaseKind,
  cache: CacheKind,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    SAMPLE_RESET: '1',
    GEOIP_PATH: GEOIP_FIXTURES,
    SAMPLE_TRUST_PROXY: 'loopback',
    PORT: '0',
  };
  const name = `${testDatabaseName}_sample`;
  if (database === 'sqlite') env.SAMPLE_SQLITE_PATH = ':memory:';
  if (database === 'postgres') env.SAMPLE_DB_URL = `postgres://postgres@127.0.0.1:${postgresPort}/${name}`;
  if (database === 'mariadb') env.SAMPLE_DB_URL = `mysql://root@127.0.0.1:3306/${name}`;
  if (cache === 'redis' && redisClusterNodes) env.SAMPLE_REDIS_CLUSTER = redisClusterNodes.join(',');
  else if (cache === 'redis') env.SAMPLE_REDIS_URL = redisUrl;
  // Processes of other Jest workers share that Redis: each worker's keys (and epoch) are its own.
  if (cache === 'redis') env.SAMPLE_CACHE_PREFIX = `${testDatabaseName}:`;
  return { ...env, ...extra };
}

export interface RunningSample {
  app: NestExpressApplication;
  url: string;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * Starts the sample app as `npm run sample` does, on a free loopback port. With `clock`, the
 * library reads the time from it instead (its provider overridden, as docs/configuration.md
 * shows for tests), so that a test can let the step-up window pass without waiting.
 */
export async function startSample(
  env: Record<string, string>,
  options: { clock?: QSessionsClock } = {},
): Promise<RunningSample> {
  const config = loadSampleConfig(env);
  const logger: LogLevel[] = process.env.QSESSIONS_TEST_LOGS ? ['error', 'warn'] : ['error'];
  let app: NestExpressApplication;
  if (options.clock) {
    await ensureDatabaseExists(config.database);
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(getQSessionsClockToken())
      .useValue(options.clock)
      .compile();
    app = configureSampleApp(moduleRef.createNestApplication<NestExpressApplication>({ logger }));
  } else {
    app = await createSampleApp(config, { logger });
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    close: () => app.close(),
  };
}
