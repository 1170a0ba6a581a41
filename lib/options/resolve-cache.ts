import {
  QSESSIONS_CACHE_DEFAULTS as DEFAULTS,
  type QSessionsCacheOptions,
  type QSessionsEngine,
} from '../qsessions.options.js';
import { optionSection } from './option-section.js';
import { isWholeNumberFrom } from './option-values.js';
import type { ResolvedCacheOptions } from './resolved-options.js';
import { resolveCluster } from './resolve-cluster.js';
import { resolveSentinel } from './resolve-sentinel.js';

/**
 * Validates the `cache` option and fills in its defaults, adding each problem (with its fix) to
 * `problems`. The section only applies to the `cached_db` engine, so giving it with another is
 * a problem too.
 */
export function resolveCache(
  input: QSessionsCacheOptions | undefined,
  engine: QSessionsEngine,
  problems: string[],
): ResolvedCacheOptions {
  const given = optionSection(input, 'cache', DEFAULTS, "{ redisUrl: 'redis://127.0.0.1:6379' }", problems);
  // Unlike the other fields, null is not "left out" here: it is a wrong value, reported as such.
  const useAppCacheManager =
    given.useAppCacheManager === undefined ? DEFAULTS.useAppCacheManager : given.useAppCacheManager;
  const sentinel = resolveSentinel(given.sentinel, problems);
  const cluster = resolveCluster(given.cluster, problems);
  const ownRedis = redisWays(given).length > 0 && given.instance === undefined;
  const cache: ResolvedCacheOptions = {
    redisUrl: given.redisUrl,
    sentinel,
    cluster,
    instance: given.instance,
    useAppCacheManager,
    // A near cache needs a Redis connection the library opens itself, to be told which keys changed.
    nearCache: ownRedis && (given.nearCache ?? DEFAULTS.nearCache),
    maxEntries: given.maxEntries ?? DEFAULTS.maxEntries,
    timeoutMs: given.timeoutMs ?? DEFAULTS.timeoutMs,
    keyPrefix: given.keyPrefix ?? DEFAULTS.keyPrefix,
  };
  problems.push(...storeProblems(given, useAppCacheManager), ...nearCacheProblems(given), ...limitProblems(cache));
  if (engine === 'db' && input !== undefined) {
    problems.push("`cache` only applies to `engine: 'cached_db'`; remove it or set the engine.");
  }
  return cache;
}

/** The ways to a Redis of the library's own that were given. */
function redisWays(given: Partial<QSessionsCacheOptions>): Array<'redisUrl' | 'sentinel' | 'cluster'> {
  return (['redisUrl', 'sentinel', 'cluster'] as const).filter((way) => given[way] !== undefined);
}

/** Problems with the choice of store: `redisUrl`, `sentinel`, `cluster`, `instance`, `useAppCacheManager`. */
function storeProblems(given: Partial<QSessionsCacheOptions>, useAppCacheManager: unknown): string[] {
  const problems: string[] = [];
  if (given.redisUrl !== undefined && (typeof given.redisUrl !== 'string' || !/^rediss?:\/\//.test(given.redisUrl))) {
    problems.push(
      '`cache.redisUrl` must be a URL starting with redis:// or rediss://, for example redis://127.0.0.1:6379.',
    );
  }
  const ways = redisWays(given);
  if (ways.length > 1) {
    problems.push(
      `${ways.map((way) => `\`cache.${way}\``).join(' and ')} each name a Redis: give one (\`sentinel\` when ` +
        'Sentinel manages the primary, `cluster` for a Redis Cluster, `redisUrl` otherwise).',
    );
  }
  if (
    given.instance !== undefined &&
    (typeof given.instance !== 'object' || typeof given.instance?.mget !== 'function')
  ) {
    problems.push(
      '`cache.instance` must be a cache-manager 7 cache, as returned by createCache() from "cache-manager".',
    );
  }
  if (useAppCacheManager !== 'auto' && typeof useAppCacheManager !== 'boolean') {
    problems.push(
      `\`cache.useAppCacheManager\` must be 'auto', true or false, not ${JSON.stringify(useAppCacheManager)}.`,
    );
  }
  return problems;
}

/** Problems with `nearCache`: not a flag, or asked for without a Redis connection of the library's own. */
function nearCacheProblems(given: Partial<QSessionsCacheOptions>): string[] {
  if (given.nearCache !== undefined && typeof given.nearCache !== 'boolean') {
    return ['`cache.nearCache` must be true or false.'];
  }
  if (given.nearCache === true && (redisWays(given).length === 0 || given.instance !== undefined)) {
    return [
      '`cache.nearCache` needs `cache.redisUrl`, `sentinel` or `cluster` (and no `cache.instance`): only a Redis ' +
        'connection the library opens itself can be told which keys changed. Remove it, or give `cache.redisUrl`.',
    ];
  }
  return [];
}

/** Problems with the size, time and key limits. */
function limitProblems({ maxEntries, timeoutMs, keyPrefix }: ResolvedCacheOptions): string[] {
  const problems: string[] = [];
  if (!isWholeNumberFrom(maxEntries, 1)) problems.push('`cache.maxEntries` must be a positive whole number.');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    problems.push('`cache.timeoutMs` must be a positive number of milliseconds.');
  }
  if (typeof keyPrefix !== 'string') problems.push('`cache.keyPrefix` must be a string.');
  return problems;
}
