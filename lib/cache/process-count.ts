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
