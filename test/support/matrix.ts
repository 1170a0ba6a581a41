/**
 * Which real services a test run uses. `npm test` alone runs SQLite + the in-memory cache on
 * both HTTP adapters (no server needed); `.ci/run` switches on PostgreSQL, MariaDB and Redis:
 *
 *   QSESSIONS_TEST_DBS=sqlite,postgres,mariadb QSESSIONS_TEST_CACHES=memory,redis npm test
 *
 * A service that is asked for and cannot be reached fails the run; it is never skipped.
 */
export type DatabaseKind = 'sqlite' | 'postgres' | 'mariadb';
export type CacheKind = 'memory' | 'redis';
export type AdapterKind = 'express' | 'fastify';
export type Engine = 'db' | 'cached_db';

function list<T extends string>(variable: string, fallback: T[], allowed: readonly T[]): T[] {
  const raw = process.env[variable];
  if (!raw) return fallback;
  const values = raw
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean) as T[];
  for (const value of values) {
    if (!allowed.includes(value)) throw new Error(`${variable}: unknown value "${value}"; use ${allowed.join(', ')}.`);
  }
  return values;
}

export const databases = list<DatabaseKind>('QSESSIONS_TEST_DBS', ['sqlite'], ['sqlite', 'postgres', 'mariadb']);
export const caches = list<CacheKind>('QSESSIONS_TEST_CACHES', ['memory'], ['memory', 'redis']);
export const adapters = list<AdapterKind>('QSESSIONS_TEST_ADAPTERS', ['express', 'fastify'], ['express', 'fastify']);
export const redisUrl = process.env.QSESSIONS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * With QSESSIONS_TEST_REDIS_CLUSTER (`host:port,host:port,…`, as `.ci/run`'s cluster stage sets it),
 * the `redis` cache is that Redis Cluster (`cache.cluster`) instead of the Redis at `redisUrl`.
 */
export const redisClusterNodes = process.env.QSESSIONS_TEST_REDIS_CLUSTER?.split(',').filter(Boolean) ?? null;

/** The test Redis as the library's internals take it (connectRedisCache). */
export function testRedisTarget(): { url: string } | { cluster: { rootNodes: Array<{ host: string; port: number }> } } {
  if (!redisClusterNodes) return { url: redisUrl };
  const rootNodes = redisClusterNodes.map((node) => {
    const [host, port] = node.split(':');
    return { host: host!, port: Number(port) };
  });
  return { cluster: { rootNodes } };
}

/** The module's `cache` options for the test Redis: the cluster when one is set, else `redisUrl`. */
export function testRedisCache(): { redisUrl: string } | { cluster: { rootNodes: string[] } } {
  return redisClusterNodes ? { cluster: { rootNodes: redisClusterNodes } } : { redisUrl };
}

/** One combination an e2e suite runs against. */
export interface Variant {
  name: string;
  database: DatabaseKind;
  engine: Engine;
  cache: CacheKind | null;
  adapter: AdapterKind;
}

/**
 * Every engine on every database: `db` once per database and adapter, `cached_db` once per
 * database, cache and adapter.
 */
export function variants(): Variant[] {
  const result: Variant[] = [];
  for (const database of databases) {
    for (const adapter of adapters) {
      result.push({ name: `db/${database}/${adapter}`, database, engine: 'db', cache: null, adapter });
      for (const cache of caches) {
        result.push({
          name: `cached_db+${cache}/${database}/${adapter}`,
          database,
          engine: 'cached_db',
          cache,
          adapter,
        });
      }
    }
  }
  return result;
}

/** One variant per database (adapter and cache do not matter to the suite). */
export function databaseVariants(): Variant[] {
  return databases.map((database) => ({ name: database, database, engine: 'db', cache: null, adapter: adapters[0]! }));
}
