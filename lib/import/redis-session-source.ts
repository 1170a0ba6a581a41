import { QSessionsCommandError } from '../cli/command-error.js';
import { redactSecrets, redactUrlPassword } from '../cli/redact.js';
import type { LegacySession, LegacySessionSource } from './legacy-session-source.js';
import { urlPassword } from './url-password.js';

/** Where connect-redis keeps its sessions. */
export interface RedisSessionSourceOptions {
  /** The Redis URL the express-session app's client connects to (`redis://[:password@]host:port[/db]`). */
  url: string;
  /** connect-redis's `prefix` option. Default `sess:`. */
  prefix?: string;
}

/** The few node-redis (v4/v5) client calls the reader makes. */
interface RedisReader {
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  mGet(keys: string[]): Promise<Array<string | null>>;
  pTTL(key: string): Promise<number>;
  destroy(): void;
}

/** PTTL's answer for a key that no longer exists (deleted or expired since SCAN saw it). */
const KEY_GONE = -2;

/**
 * connect-redis's sessions: one string key `<prefix><sid>` per session holding its JSON, with a
 * TTL that is its expiry. Keys are walked with SCAN (never KEYS, which blocks Redis), and each
 * batch is read with one MGET and pipelined PTTLs.
 */
export async function openRedisSessionSource(options: RedisSessionSourceOptions): Promise<LegacySessionSource> {
  const prefix = options.prefix ?? 'sess:';
  const where = `Redis at ${redactUrlPassword(options.url)}`;
  const client = await connect(options.url, where);
  const pattern = `${escapeGlob(prefix)}*`;

  const read = async (keys: string[]): Promise<LegacySession[]> => {
    // SCAN may return a key twice (while Redis resizes its table): once per batch is enough here.
    const unique = [...new Set(keys)].filter((key) => key.length > prefix.length);
    const [values, ttls] = await Promise.all([
      client.mGet(unique),
      // node-redis pipelines calls made together: one round trip for the whole batch.
      Promise.all(unique.map((key) => client.pTTL(key))),
    ]);
    const now = Date.now();
    return unique.map((key, index) => {
      const ttl = ttls[index]!;
      return {
        sid: key.slice(prefix.length),
        payload: values[index],
        storeExpiry: ttl >= 0 ? new Date(now + ttl) : null,
        ended: values[index] === null || ttl === KEY_GONE,
      };
    });
  };

  return {
    description: `connect-redis (${where}, key prefix ${JSON.stringify(prefix)})`,
    async *batches(batchSize: number) {
      const pending: string[] = [];
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: batchSize })) {
        pending.push(...keys);
        while (pending.length >= batchSize) yield await read(pending.splice(0, batchSize));
      }
      if (pending.length > 0) yield await read(pending);
    },
    async close() {
      client.destroy();
    },
  };
}

/** A connected client of the `redis` package (what connect-redis 8+ uses), loaded only when needed. */
async function connect(url: string, where: string): Promise<RedisReader> {
  let createClient: (options: object) => unknown;
  try {
    ({ createClient } = (await import('redis')) as unknown as { createClient: typeof createClient });
  } catch {
    try {
      // @keyv/redis (the cache of the cached_db engine) brings node-redis's core under this name.
      ({ createClient } = (await import('@redis/client')) as unknown as { createClient: typeof createClient });
    } catch {
      throw new QSessionsCommandError(
        'Reading connect-redis sessions needs the `redis` package (the client connect-redis uses): npm install redis.',
      );
    }
  }
  // No reconnection: a Redis that is down must fail the import, not hang it.
  const client = createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: false } }) as RedisReader;
  let lastError: Error | undefined;
  client.on('error', (error) => (lastError = error));
  try {
    await client.connect();
  } catch (error) {
    try {
      client.destroy();
    } catch {
      // Never connected: nothing to close.
    }
    const reason = (lastError ?? (error as Error))?.message ?? String(error);
    throw new QSessionsCommandError(
      `Cannot read the connect-redis sessions from ${where}: ${redactSecrets(reason, [urlPassword(url)])}. ` +
        "Give the Redis URL of the express-session app's store with --source-url.",
    );
  }
  return client;
}

/** The prefix as a literal in a SCAN MATCH pattern (glob characters escaped). */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
