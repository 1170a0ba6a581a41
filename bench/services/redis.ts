import { createClient } from 'redis';
import { REDIS_URL } from '../bench-config.js';

// The benchmark's keys in the shared Redis: all under one root prefix, removed after each app process.

async function withRedis<T>(use: (client: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const client = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 3000 } });
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Redis's version, or a clear error when it cannot be reached. */
export async function redisVersion(): Promise<string> {
  try {
    return await withRedis(async (client) => {
      const info = await client.info('server');
      return /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
    });
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL}: ${(error as Error).message}. ` +
        'Start it with `bash .ci/services.sh redis` (npm run bench does).',
      { cause: error },
    );
  }
}

/** Deletes every key starting with `prefix` (SCAN, never KEYS: other users share this Redis). */
export async function deleteKeys(prefix: string): Promise<number> {
  if (prefix.length < 4) throw new Error(`refusing to delete keys under the short prefix ${JSON.stringify(prefix)}`);
  return withRedis(async (client) => {
    let deleted = 0;
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) deleted += await client.unlink(keys);
    }
    return deleted;
  });
}
