// Messages between the benchmark (parent) and an app process (child), over Node's IPC channel.

/** Sent by the app once it listens. */
export interface AppReadyMessage {
  type: 'bench-app-ready';
  port: number;
}

export function isAppReadyMessage(message: unknown): message is AppReadyMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'bench-app-ready' &&
    typeof (message as { port?: unknown }).port === 'number'
  );
}

/** Environment variables the parent gives an app process. */
export const APP_ENV = {
  /** The variant's name (bench/variants.ts). */
  variant: 'BENCH_VARIANT',
  /** Prefix of every Redis key this process writes. */
  redisPrefix: 'BENCH_REDIS_PREFIX',
  /** Folder for the SQLite database file (owned and removed by the parent). */
  sqliteDir: 'BENCH_SQLITE_DIR',
} as const;
