/** Default rows per batch: the same as SessionService.clearExpired(). */
export const DEFAULT_CLEAR_BATCH_SIZE = 1000;

/** "1 expired session", "2500 expired sessions". */
export function describeCount(count: number): string {
  return `${count} expired session${count === 1 ? '' : 's'}`;
}
