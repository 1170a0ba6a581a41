import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import type { KeyValueSessionCache } from '../lib/cache/key-value-session-cache.js';
import { NearCacheEntries } from '../lib/cache/near-cache-entries.js';
import { QSESSIONS_SESSION_CACHE } from '../lib/qsessions.constants.js';
import { digest } from './support/digest.js';
import { databaseVariants, redisClusterNodes, type Variant } from './support/matrix.js';
import { sendCommand } from './support/redis-server.js';
import { SessionClient } from './support/session-client.js';
import { sleep } from './support/sleep.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { IntUser } from './support/users.js';

// Redis Cluster (`cache.cluster`), on the three primaries `.ci/services.sh redis-cluster` starts
// (127.0.0.1:7001-7003); `.ci/run`'s cluster stage sets QSESSIONS_TEST_REDIS_CLUSTER and runs this
// with the cached_db suites. Two app instances on one database: sessions spread over every
// primary, and each instance's near cache hears of a change on whichever primary holds the key.

const ports = (redisClusterNodes ?? []).map((node) => Number(node.split(':')[1]));
const variants = databaseVariants().map((variant): Variant => ({ ...variant, engine: 'cached_db', cache: 'redis' }));
const describeOnCluster = redisClusterNodes ? describe.each(variants) : describe.skip.each(variants.slice(0, 1));

function nearCacheOf(app: TestApp): NearCacheEntries {
  const entries = app.app.get<KeyValueSessionCache>(QSESSIONS_SESSION_CACHE).entries;
  expect(entries).toBeInstanceOf(NearCacheEntries);
  return entries as NearCacheEntries;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** The port of the primary holding `key`: the one node where it exists (the others answer MOVED). */
async function primaryOf(key: string): Promise<number | undefined> {
  for (const port of ports) {
    if ((await sendCommand(port, ['EXISTS', key]).catch(() => 0)) === 1) return port;
  }
  return undefined;
}

describeOnCluster('Redis Cluster, on $database', (variant) => {
  let folder: string;
  const apps: TestApp[] = [];
  const keyPrefix = `qsessions-cluster:${variant.database}:${Date.now()}:`;
  const keys = new CacheKeys(keyPrefix);

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'qsessions-cluster-db-'));
    const start = (keepSchema: boolean) =>
      startTestApp(variant, {
        sqliteFile: join(folder, 'sessions.db'),
        keepSchema,
        qsessions: { cache: { keyPrefix } },
      });
    apps.push(await start(false));
    apps.push(await start(true));
    // Each app serves from Redis once its first check of the cache has passed and every primary's
    // tracking connection is up: the tests start from there.
    const warmUp = await signedIn(-1);
    for (const app of apps) await keepsCopy(app, warmUp.key!, -1);
  });

  afterAll(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    rmSync(folder, { recursive: true, force: true });
  });

  async function signedIn(n: number): Promise<SessionClient> {
    const app = apps[0]!;
    const userId = (await app.dataSource.getRepository(IntUser).save({ username: `cluster-${n}-${Date.now()}` })).id;
    const browser = new SessionClient(app, 'Browser/1.0');
    expect((await browser.send('post', '/login', { userId })).status).toBe(200);
    expect((await browser.send('post', '/set', { n })).status).toBe(200);
    return browser;
  }

  async function readThrough(app: TestApp, key: string): Promise<number | undefined> {
    const response = await fetch(`${app.url}/read_session`, { headers: { cookie: `sessionid=${key}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { n?: number }).n;
  }

  /** Resolves once `app` answers the session of `key` from a trusted copy of its record. */
  async function keepsCopy(app: TestApp, key: string, n: number): Promise<void> {
    const record = keys.record(digest(key));
    await waitFor('the app keeps a copy of the record', async () => {
      expect(await readThrough(app, key)).toBe(n);
      return nearCacheOf(app).get(record) !== undefined;
    });
  }

  it('spreads sessions over every primary, and each app listens to every primary for changes', async () => {
    const browsers: SessionClient[] = [];
    for (let n = 0; n < 12; n++) browsers.push(await signedIn(n));
    const holders = await Promise.all(browsers.map((browser) => primaryOf(keys.record(digest(browser.key!)))));
    expect(holders).not.toContain(undefined);
    expect(new Set(holders).size).toBe(ports.length);
    await waitFor('every primary has both apps broadcast-tracking', async () => {
      const lists = await Promise.all(ports.map((port) => sendCommand(port, ['CLIENT', 'LIST'])));
      return lists.every(
        (list) =>
          String(list)
            .split('\n')
            .filter((line) => /\bflags=\S*B/.test(line)).length >= 2,
      );
    });
  });

  it("a session revoked on one app is refused by the other's near cache, whichever primary holds it", async () => {
    const onPrimary = new Map<number, SessionClient>();
    for (let n = 100; onPrimary.size < ports.length && n < 160; n++) {
      const browser = await signedIn(n);
      const port = await primaryOf(keys.record(digest(browser.key!)));
      if (port !== undefined && !onPrimary.has(port)) onPrimary.set(port, browser);
    }
    expect([...onPrimary.keys()].sort()).toEqual([...ports].sort());
    for (const browser of onPrimary.values()) {
      const key = browser.key!;
      const n = (await readThrough(apps[0]!, key))!;
      await keepsCopy(apps[1]!, key, n);
      expect((await browser.send('post', '/logout')).status).toBe(200);
      // The very next request to the other app: its copy was dropped by the primary's report.
      expect(await readThrough(apps[1]!, key)).toBeUndefined();
    }
  });
});
