import cluster from 'node:cluster';

/**
 * Whether this process is probably one of several serving the app: a Node cluster worker, or a
 * process manager's instance (PM2 sets NODE_APP_INSTANCE and pm_id). An in-memory session cache
 * is private to one process, so revocations made in one would not reach the others' caches.
 */
export function mayRunInSeveralProcesses(
  env: NodeJS.ProcessEnv = process.env,
  isClusterWorker: boolean = cluster.isWorker,
): boolean {
  return isClusterWorker || env.NODE_APP_INSTANCE !== undefined || env.pm_id !== undefined;
}

/**
 * A `cached_db` cache that keeps sessions in this process: the library's own (`'own'`), the
 * app's `CACHE_MANAGER` taken with `useAppCacheManager: true` although its store is in-process
 * (`'app'`), or a `cache.instance` whose store is in-process (`'instance'`).
 */
export type PerProcessCache = 'own' | 'app' | 'instance';

const CONSEQUENCE =
  'while this app seems to run in several processes (cluster or PM2): each process has its own cache, ' +
  'so a session revoked in one stays usable in the others until it expires there.';

/**
 * The start-up warning for a per-process cache in a process that is probably one of several, or
 * null when none is due (a shared cache, or a lone process).
 */
export function severalProcessesWarning(
  cache: PerProcessCache | null,
  several: boolean = mayRunInSeveralProcesses(),
): string | null {
  if (cache === null || !several) return null;
  switch (cache) {
    case 'own':
      return `cached_db with the in-memory cache ${CONSEQUENCE} Set \`cache.redisUrl\` (shared by all processes) or use engine 'db'.`;
    case 'app':
      return (
        `cached_db with the app's CACHE_MANAGER (\`useAppCacheManager: true\`), whose store keeps entries in this process, ` +
        `${CONSEQUENCE} Give the CacheModule a shared store (such as @keyv/redis), set \`cache.redisUrl\`, or use engine 'db'.`
      );
    case 'instance':
      return (
        `cached_db with the cache given in \`cache.instance\`, whose store keeps entries in this process, ${CONSEQUENCE} ` +
        "Give it a shared store (such as @keyv/redis), set `cache.redisUrl`, or use engine 'db'."
      );
  }
}
