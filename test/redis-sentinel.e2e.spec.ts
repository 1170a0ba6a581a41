import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyValueSessionCache } from '../lib/cache/key-value-session-cache.js';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import { NearCacheEntries } from '../lib/cache/near-cache-entries.js';
import { RedisSessionEndChannel } from '../lib/live/redis-session-end-channel.js';
import { QSESSIONS_SESSION_CACHE } from '../lib/qsessions.constants.js';
import { digest } from './support/digest.js';
import { databaseVariants, type Variant } from './support/matrix.js';
import { sendCommand } from './support/redis-server.js';
import { SENTINEL_MASTER_NAME, SentinelTopology } from './support/redis-sentinel.js';
import { SessionClient } from './support/session-client.js';
import { sleep } from './support/sleep.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { IntUser } from './support/users.js';

// Redis behind Sentinel (`cache.sentinel`): a primary, a replica and three sentinels of the
// test's own (Debian's redis-server and redis-sentinel), two app instances on one database. The
// primary is killed (SIGKILL) in the middle of traffic: no request fails, no revoked session is
// served by either instance at any moment, and each instance's near cache is dropped and rebuilt
// on the new primary.

jest.setTimeout(120_000);

const variants = databaseVariants().map((variant): Variant => ({ ...variant, engine: 'cached_db', cache: 'memory' }));

/** The near cache of an app (the layer over Redis that `nearCache` adds). */
function nearCacheOf(app: TestApp): NearCacheEntries {
  const entries = app.app.get<KeyValueSessionCache>(QSESSIONS_SESSION_CACHE).entries;
  expect(entries).toBeInstanceOf(NearCacheEntries);
  return entries as NearCacheEntries;
}

/** Whether a connection on the Redis at `port` has broadcast tracking on (the near cache's, see CLIENT LIST flags). */
async function hasBroadcastTracking(port: number): Promise<boolean> {
  const clients = String(await sendCommand(port, ['CLIENT', 'LIST']));
  return clients.split('\n').some((line) => /\bflags=\S*B/.test(line));
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

describe.each(variants)('Redis behind Sentinel, on $database', (variant) => {
  let topology: SentinelTopology;
  let folder: string;
  const apps: TestApp[] = [];
  /** Two processes' live-revocation channels, opened before the failover and used on both sides of it. */
  const channels: RedisSessionEndChannel[] = [];
  const heard: Array<{ digests: string[]; reason: string }> = [];
  const warnings: string[] = [];
  // Instances of one app share the key prefix (each test app otherwise gets one of its own).
  const keyPrefix = `qsessions-sentinel:${variant.database}:`;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'qsessions-sentinel-db-'));
    topology = await SentinelTopology.start();
    const start = (keepSchema: boolean) =>
      startTestApp(variant, {
        sqliteFile: join(folder, 'sessions.db'),
        keepSchema,
        qsessions: {
          cache: { sentinel: { name: SENTINEL_MASTER_NAME, sentinels: topology.sentinelNodes }, keyPrefix },
        },
      });
    apps.push(await start(false));
    apps.push(await start(true));
    // Each app serves from Redis once its first check of the cache has passed and its tracking
    // connection is up: wait for both, so that the tests start from apps that keep copies.
    const warmUp = await signedIn(0);
    for (const app of apps) await keepsCopies(app, warmUp.key!, 0);
    const target = { sentinel: { name: SENTINEL_MASTER_NAME, sentinels: topology.sentinelNodes } };
    const logger = { warn: (message: string) => warnings.push(message) };
    channels.push(new RedisSessionEndChannel(target, 'qsessions-sentinel:live', logger));
    channels.push(new RedisSessionEndChannel(target, 'qsessions-sentinel:live', logger));
    await channels[1]!.listen((digests, reason) => heard.push({ digests, reason }));
  });

  /** Publishes an ended session on the first channel and waits until the second hears it. */
  async function endedSessionCarried(reason: string): Promise<void> {
    const id = digest(reason);
    await waitFor(`the end of a session (${reason}) is heard by the other process`, async () => {
      channels[0]!.publish([id], reason);
      await sleep(100);
      return heard.some((message) => message.reason === reason && message.digests[0] === id);
    });
  }

  afterAll(async () => {
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await topology?.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  /** A signed-in browser on `app` whose session holds `{ n }`, read once through every app. */
  async function signedIn(n: number, app = apps[0]!): Promise<SessionClient> {
    const userId = (await app.dataSource.getRepository(IntUser).save({ username: `sentinel-${n}-${Date.now()}` })).id;
    const browser = new SessionClient(app, 'Browser/1.0');
    expect((await browser.send('post', '/login', { userId })).status).toBe(200);
    expect((await browser.send('post', '/set', { n })).status).toBe(200);
    for (const other of apps) expect((await readThrough(other, browser.key!)).n).toBe(n);
    return browser;
  }

  /** Resolves once `app` answers the session of `key` (holding `{ n }`) from a trusted copy of its record. */
  async function keepsCopies(app: TestApp, key: string, n: number): Promise<void> {
    const record = new CacheKeys(keyPrefix).record(digest(key));
    await waitFor('the app keeps copies of what it reads', async () => {
      expect((await readThrough(app, key)).n).toBe(n);
      return nearCacheOf(app).get(record) !== undefined;
    });
  }

  async function readThrough(app: TestApp, key: string): Promise<{ status: number; n?: number }> {
    const response = await fetch(`${app.url}/read_session`, { headers: { cookie: `sessionid=${key}` } });
    const body = (await response.json()) as { n?: number };
    return { status: response.status, n: body.n };
  }

  it('keeps sessions on the primary the sentinels name, with near caches that see revocations at once', async () => {
    const browser = await signedIn(1);
    const primary = await topology.primaryPort();
    const keys = (await sendCommand(primary, ['KEYS', 'qsessions-sentinel:*'])) as string[];
    expect(keys.length).toBeGreaterThan(0);
    // The second app keeps a copy, and Redis broadcasts changes to both apps' tracking connections.
    await keepsCopies(apps[1]!, browser.key!, 1);
    expect(await hasBroadcastTracking(primary)).toBe(true);

    const key = browser.key!;
    expect((await browser.send('post', '/logout')).status).toBe(200);
    // The very next request to the other app is refused: its copy was dropped by Redis's report.
    expect((await readThrough(apps[1]!, key)).n).toBeUndefined();
    expect((await readThrough(apps[0]!, key)).n).toBeUndefined();
  });

  it('carries ended sessions between processes over pub/sub on the primary (live revocation)', async () => {
    await endedSessionCarried('logout');
  });

  it('fails over in the middle of traffic: nothing fails, nothing revoked comes back, near caches rebuild', async () => {
    const live: SessionClient[] = [];
    // One after another: on SQLite, two apps writing one file at once would wait on its lock.
    for (const n of [2, 3, 4, 5, 6, 7]) live.push(await signedIn(n, apps[n % 2]!));
    const beforeKill = await signedIn(8);
    const duringFailover = await signedIn(9);
    const afterFailover = await signedIn(10);
    const failures: string[] = [];
    /** Keys whose logout has returned: every request for them from then on must be refused. */
    const revoked: string[] = [];
    let running = true;

    const traffic = async (worker: number) => {
      // Stops at the first failures too: they are reported, and a loop of instant errors would spin.
      for (let round = 0; running && failures.length < 10; round++) {
        const browser = live[(worker + round) % live.length]!;
        const app = apps[round % 2]!;
        const expected = Number(live.indexOf(browser)) + 2;
        const read = await readThrough(app, browser.key!).catch((error: Error) => ({ status: 0, n: error.message }));
        if (read.status !== 200 || read.n !== expected) failures.push(`live ${expected}: ${JSON.stringify(read)}`);
        for (const key of [...revoked]) {
          const probe = await readThrough(apps[(round + 1) % 2]!, key).catch(() => ({ status: 0, n: undefined }));
          if (probe.n !== undefined) failures.push(`revoked session served: ${JSON.stringify(probe)}`);
        }
      }
    };
    const workers = [0, 1, 2, 3].map(traffic);

    const logout = async (browser: SessionClient) => {
      const key = browser.key!;
      expect((await browser.send('post', '/logout')).status).toBe(200);
      revoked.push(key);
    };
    try {
      await failOverDuringTraffic();
    } finally {
      running = false;
      await Promise.all(workers);
    }
    expect(failures.slice(0, 10)).toEqual([]);

    async function failOverDuringTraffic() {
      await sleep(300);
      await logout(beforeKill);
      const firstPrimary = await topology.primaryPort();
      await waitFor('both apps keep copies', () => apps.every((app) => nearCacheOf(app).size > 0));
      await topology.killPrimary();
      // Each app drops every copy as soon as its tracking connection is lost.
      await waitFor('both near caches are emptied', () => apps.every((app) => nearCacheOf(app).size === 0), 5000);
      // Revoked while no primary takes writes: held in the database until Redis is back.
      await logout(duringFailover);
      const newPrimary = await topology.waitForFailover(firstPrimary);
      await waitFor('the apps track keys on the new primary', () => hasBroadcastTracking(newPrimary));
      await sleep(3000);
    }

    // Rebuilt: copies are kept again, and a revocation on one app is seen by the other's next request.
    const key = afterFailover.key!;
    for (const app of apps) await keepsCopies(app, key, 10);
    await logout(afterFailover);
    expect((await readThrough(apps[1]!, key)).n).toBeUndefined();
    for (const revokedKey of revoked) {
      for (const app of apps) expect((await readThrough(app, revokedKey)).n).toBeUndefined();
    }
  });

  // After the failover test above: the channels opened before it follow the new primary.
  it('carries ended sessions over pub/sub on the new primary after the failover', async () => {
    await endedSessionCarried('revoked');
  });
});
