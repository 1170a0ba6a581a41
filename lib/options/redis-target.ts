import type { ResolvedClusterOptions } from './resolve-cluster.js';
import type { ResolvedSentinelOptions } from './resolve-sentinel.js';

/** A Redis the library connects to itself: by URL, through its sentinels, or a cluster. */
export type RedisTarget = { url: string } | { sentinel: ResolvedSentinelOptions } | { cluster: ResolvedClusterOptions };

/** The Redis of `cache.redisUrl`, `cache.sentinel` or `cache.cluster`, or null when none is given. */
export function redisTargetOf(cache: {
  redisUrl?: string | undefined;
  sentinel?: ResolvedSentinelOptions | undefined;
  cluster?: ResolvedClusterOptions | undefined;
}): RedisTarget | null {
  if (cache.sentinel) return { sentinel: cache.sentinel };
  if (cache.cluster) return { cluster: cache.cluster };
  if (cache.redisUrl) return { url: cache.redisUrl };
  return null;
}

/** The option a target came from, for messages (never its address or credentials). */
export function redisTargetOption(target: RedisTarget): string {
  if ('url' in target) return '`cache.redisUrl`';
  return 'sentinel' in target ? '`cache.sentinel`' : '`cache.cluster`';
}
