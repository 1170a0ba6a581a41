import type { ResolvedSentinelOptions } from './resolve-sentinel.js';

/** A Redis the library connects to itself: by URL, or through its sentinels. */
export type RedisTarget = { url: string } | { sentinel: ResolvedSentinelOptions };

/** The Redis of `cache.redisUrl` or `cache.sentinel`, or null when neither is given. */
export function redisTargetOf(cache: {
  redisUrl?: string | undefined;
  sentinel?: ResolvedSentinelOptions | undefined;
}): RedisTarget | null {
  if (cache.sentinel) return { sentinel: cache.sentinel };
  if (cache.redisUrl) return { url: cache.redisUrl };
  return null;
}

/** The option a target came from, for messages (never its address or credentials). */
export function redisTargetOption(target: RedisTarget): string {
  return 'url' in target ? '`cache.redisUrl`' : '`cache.sentinel`';
}
