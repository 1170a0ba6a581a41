import { randomUUID } from 'node:crypto';
import type { Cache } from 'cache-manager';
import { withTimeout } from '../util/with-timeout.js';

/**
 * Writes a probe key, reads it back and removes it: true only if the cache keeps what it is
 * given. The maintenance commands check this before relying on a cache, because a Redis client
 * between connections can report success for writes it dropped.
 */
export async function cacheKeepsWhatItIsGiven(
  cache: Cache,
  keyPrefix: string,
  timeoutMs: number,
  description: string,
): Promise<boolean> {
  const probeKey = `${keyPrefix}cli-probe:${randomUUID()}`;
  const probe = randomUUID();
  try {
    await withTimeout(cache.set(probeKey, probe, 60_000), timeoutMs, description);
    if ((await withTimeout(cache.get(probeKey), timeoutMs, description)) !== probe) return false;
    await withTimeout(cache.del(probeKey), timeoutMs, description);
    return true;
  } catch {
    return false;
  }
}
