import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRIC_NAMES } from '../lib/telemetry/session-metrics.js';
import { digest } from './support/digest.js';
import { databases, type Variant } from './support/matrix.js';
import { PrivateRedis } from './support/redis-server.js';
import { SessionClient } from './support/session-client.js';
import { sleep } from './support/sleep.js';
import { TelemetryRecorder, total, type MetricsReading } from './support/telemetry-recorder.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// The metrics that need Redis: the revocation propagation time between two app instances (over
// the live channel, Redis pub/sub) and the cache's circuit breaker. A redis-server of the test's
// own, which the breaker test stalls (SIGSTOP) and resumes.

const recorder = new TelemetryRecorder();
beforeAll(() => recorder.register());
afterAll(() => recorder.shutdown());

async function signIn(app: TestApp): Promise<{ browser: SessionClient; userId: number }> {
  const userId = (await app.dataSource.getRepository(IntUser).save({ username: `u${randomUUID()}` })).id;
  const browser = new SessionClient(app, 'Browser/1.0');
  expect((await browser.send('post', '/login', { userId })).status).toBe(200);
  return { browser, userId };
}

/** Waits until `read` is at least `expected`, then a little longer, and returns what it reads then. */
async function settle(read: () => Promise<number>, expected: number): Promise<number> {
  const deadline = Date.now() + 5000;
  while ((await read()) < expected && Date.now() < deadline) await sleep(20);
  // Anything more (the sender measuring its own message) would arrive by now.
  await sleep(300);
  return read();
}

const propagation = (reading: MetricsReading) => reading.get(METRIC_NAMES.propagation) ?? [];

describe.each(databases)('revocation propagation time between two instances, on %s', (database) => {
  const variant: Variant = { name: database, database, engine: 'cached_db', cache: 'redis', adapter: 'express' };
  const keyPrefix = `qsessions-otel:${randomUUID()}:`;
  let redis: PrivateRedis;
  let folder: string;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    folder = mkdtempSync(join(tmpdir(), 'qsessions-otel-'));
    const options = (keepSchema: boolean) => ({
      controllers: [TestController],
      sqliteFile: join(folder, 'sessions.db'),
      keepSchema,
      qsessions: { cache: { redisUrl: redis.url, keyPrefix } },
    });
    first = await startTestApp(variant, options(false));
    second = await startTestApp(variant, options(true));
    // Both instances subscribe when they start (the metric needs every message), not at a first connection.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const [, subscribers] = (await redis.command('PUBSUB', 'NUMSUB', `${keyPrefix}live`)) as [string, number];
      if (subscribers === 2) break;
      await sleep(20);
    }
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await redis?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('records one time per revocation, on the other instance only, from the message', async () => {
    const count = async () => total(await recorder.read(), METRIC_NAMES.propagation);
    const before = await count();
    // One after the other: two instances on one SQLite file lock each other's concurrent writes.
    const signedIn = [await signIn(second), await signIn(second), await signIn(first)];
    const started = Date.now();
    for (const { browser, userId } of signedIn) {
      expect(await first.sessions.revoke(userId, digest(browser.key!), { reason: 'admin' })).toBe(true);
    }
    const elapsed = (Date.now() - started + 300) / 1000;
    // Three messages, each measured by the second instance; the first hears its own and skips them.
    expect((await settle(count, before + 3)) - before).toBe(3);
    const [point] = propagation(await recorder.read());
    expect(point!.attributes).toEqual({});
    expect(point!.min).toBeGreaterThanOrEqual(0);
    expect(point!.sum! / point!.value).toBeLessThan(elapsed);
  });

  it('a message whose time is ahead of this host (clock skew) counts as 0, and one without a time is not measured', async () => {
    const count = async () => total(await recorder.read(), METRIC_NAMES.propagation);
    const before = await count();
    const ahead = { ids: ['a'.repeat(64)], reason: 'admin', at: Date.now() + 60_000, from: randomUUID() };
    await redis.command('PUBLISH', `${keyPrefix}live`, JSON.stringify(ahead));
    await redis.command('PUBLISH', `${keyPrefix}live`, JSON.stringify({ ids: ['b'.repeat(64)], reason: 'admin' }));
    // Both instances receive both: each measures the skewed one (not theirs), neither the other.
    expect((await settle(count, before + 2)) - before).toBe(2);
    expect(propagation(await recorder.read())[0]!.min).toBe(0);
  });
});

describe('the cache’s circuit breaker', () => {
  const variant: Variant = {
    name: 'sqlite',
    database: 'sqlite',
    engine: 'cached_db',
    cache: 'redis',
    adapter: 'express',
  };
  let redis: PrivateRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // No near cache: every read goes to Redis, so a stalled Redis is noticed by the next read.
    app = await startTestApp(variant, {
      qsessions: { cache: { redisUrl: redis.url, nearCache: false, timeoutMs: 150 } },
    });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('counts one opening per outage, however many requests it turns away', async () => {
    const { browser, userId } = await signIn(app);
    const openings = async () => total(await recorder.read(), METRIC_NAMES.breakerOpenings);
    const before = await openings();
    for (let outage = 0; outage < 2; outage++) {
      redis.stall();
      try {
        // The first read waits out the timeout and opens the breaker; the others skip the cache.
        for (let read = 0; read < 4; read++) expect((await browser.send('get', '/read_session')).status).toBe(200);
      } finally {
        redis.resume();
      }
      // Past the breaker's retry interval (1 s), a read finds Redis answering: closed again.
      await sleep(1100);
      expect((await browser.send('get', '/read_session')).body.userId).toBe(userId);
    }
    expect((await openings()) - before).toBe(2);
  });
});
