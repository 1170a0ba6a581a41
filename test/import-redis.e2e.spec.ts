import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RedisStore } from 'connect-redis';
import { createClient, createCluster } from 'redis';
import { escapeGlob } from '../lib/import/redis-session-source.js';
import { dataSourceFolder, writeDataSourceFile } from './support/data-source-file.js';
import { cookieJson, describeImportScenario, randomSid, type LegacyStoreKit } from './support/import-scenario.js';
import { caches, redisClusterNodes, redisUrl } from './support/matrix.js';
import { runBin } from './support/run-bin.js';

// Switching from express-session + connect-redis (redis@5 client) to nest-qsessions: see
// describeImportScenario for the whole path, run here with connect-redis as the old store.

const redisKit: LegacyStoreKit = {
  from: 'connect-redis',
  async open() {
    if (redisClusterNodes) return openOnCluster(redisClusterNodes);
    const client = createClient({ url: redisUrl });
    await client.connect();
    const base = `qsessions-import-test:${randomUUID()}:`;
    // Glob characters in the prefix: SCAN's MATCH must take them literally...
    const prefix = `${base}[sess]*:`;
    // ...or this key, which the unescaped pattern matches, would be read too (and counted).
    const decoy = `${base}s-not-this-store:${randomSid()}`;
    await client.set(decoy, JSON.stringify({ cookie: cookieJson(new Date(Date.now() + 60_000)), visits: 1 }));
    return {
      store: new RedisStore({ client, prefix }),
      args: ['--source-url', redisUrl, '--prefix', prefix],
      options: { sourceUrl: redisUrl, prefix },
      async put(sid, payload, expiresAt) {
        // As connect-redis writes them: a TTL from the cookie's expiry, or none (its disableTTL).
        const ttl = expiresAt ? { expiration: { type: 'PX' as const, value: expiresAt.getTime() - Date.now() } } : {};
        await client.set(prefix + sid, payload, ttl);
      },
      async close() {
        for await (const keys of client.scanIterator({ MATCH: `${escapeGlob(base)}*`, COUNT: 100 })) {
          if (keys.length > 0) await client.del(keys);
        }
        client.destroy();
      },
    };
  },
};

/**
 * connect-redis on a Redis Cluster (when the run's Redis is one: QSESSIONS_TEST_REDIS_CLUSTER): its
 * keys are spread over the primaries, and the import walks every one of them.
 */
async function openOnCluster(nodes: string[]) {
  const cluster = createCluster({
    rootNodes: nodes.map((node) => ({ url: `redis://${node}` })),
  });
  await cluster.connect();
  const prefix = `qsessions-import-test:${randomUUID()}:sess:`;
  return {
    store: new RedisStore({ client: cluster as never, prefix }),
    args: ['--source-cluster', nodes.join(','), '--prefix', prefix],
    options: { sourceCluster: nodes, prefix },
    async put(sid: string, payload: string, expiresAt: Date | null) {
      const ttl = expiresAt ? { expiration: { type: 'PX' as const, value: expiresAt.getTime() - Date.now() } } : {};
      await cluster.set(prefix + sid, payload, ttl);
    },
    async close() {
      // Keys of one slot per DEL: the express app's sessions as well as those put here.
      for (const master of cluster.masters) {
        const node = await cluster.nodeClient(master);
        for await (const keys of node.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 100 })) {
          for (const key of keys) await cluster.del(key);
        }
      }
      cluster.destroy();
    },
  };
}

// The store is Redis itself: these run when the run uses Redis (QSESSIONS_TEST_CACHES=...,redis).
(caches.includes('redis') ? describe : describe.skip)('express-session + connect-redis', () => {
  describeImportScenario(redisKit);

  it('a Redis that does not answer: exit 1, its password never printed', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const folder = dataSourceFolder();
    try {
      const file = writeDataSourceFile(folder, { type: 'better-sqlite3', database: join(folder, 'app.sqlite') });

      const result = await runBin([
        'import',
        '--from',
        'connect-redis',
        '-d',
        file,
        '--source-url',
        `redis://:s3cret-pass@127.0.0.1:${port}`,
      ]);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `qsessions import: Cannot read the connect-redis sessions from Redis at redis://:...@127.0.0.1:${port}`,
      );
      expect(result.stderr).not.toContain('s3cret-pass');
      expect(result.stdout).toBe('');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
