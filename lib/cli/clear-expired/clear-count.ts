/** Default rows per batch: the same as SessionService.clearExpired(). */
export const DEFAULT_CLEAR_BATCH_SIZE = 1000;

/**
 * Why clearing expired sessions leaves the session cache of the cached_db engine alone (and why
 * the cache options of 0.1.0 are refused): said by the command and the function alike.
 */
export const NO_CACHE_EVICTION =
  'expired sessions are refused by every read and leave Redis at their TTL; nothing to evict';

/** "1 expired session", "2500 expired sessions". */
export function describeCount(count: number): string {
  return `${count} expired session${count === 1 ? '' : 's'}`;
}
