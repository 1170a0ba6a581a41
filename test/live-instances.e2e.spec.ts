import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { QSessionsModuleOptions } from '../lib/index.js';
import { digest } from './support/digest.js';
import { caches, databaseVariants, type Variant } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { WsSessionGateway } from './support/socket-gateways.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { connectSocket, type TestSocket } from './support/test-sockets.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// Live revocation across app instances sharing one database: over Redis pub/sub (cached_db
// with Redis), and by the periodic check (db engine, no Redis). Two Nest apps in this process,
// each with its own connections, cache clients and Redis subscriptions.

type Options = Omit<QSessionsModuleOptions, 'engine'>;

function pairOn(variant: Variant, qsessions: Options) {
  let folder: string;
  const apps: TestApp[] = [];
  const sockets: TestSocket[] = [];
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'qsessions-live-'));
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  return {
    async start(): Promise<[TestApp, TestApp]> {
      const start = (keepSchema: boolean) =>
        startTestApp(variant, {
          webSocketAdapter: 'ws',
          controllers: [TestController],
          providers: [WsSessionGateway],
          sqliteFile: join(folder, 'sessions.db'),
          keepSchema,
          qsessions,
        });
      const first = await start(false);
      apps.push(first);
      const second = await start(true);
      apps.push(second);
      return [first, second];
    },
    connect(app: TestApp, key: string): TestSocket {
      const socket = connectSocket('ws', app.url, { cookie: `sessionid=${key}` });
      sockets.push(socket);
      return socket;
    },
  };
}

async function signIn(app: TestApp): Promise<{ browser: SessionClient; userId: number }> {
  const userId = (await app.dataSource.getRepository(IntUser).save({ username: `u${randomUUID()}` })).id;
  const browser = new SessionClient(app, 'Browser/1.0');
  await browser.send('post', '/login', { userId });
  return { browser, userId };
}

const redisVariants = caches.includes('redis')
  ? databaseVariants().map((variant) => ({
      ...variant,
      name: `cached_db+redis/${variant.database}`,
      engine: 'cached_db' as const,
      cache: 'redis' as const,
    }))
  : [];

// Jest refuses describe.each over an empty table (without Redis in the matrix): one skipped row then.
const eachRedisVariant =
  redisVariants.length > 0 ? describe.each(redisVariants) : describe.skip.each(databaseVariants().slice(0, 1));

eachRedisVariant('live revocation over Redis pub/sub on $name', (variant) => {
  // Both instances share the cache's key prefix, hence the channel; the check is far away, so
  // only the channel can close the other instance's connections in time.
  const pair = pairOn(variant, {
    cache: { keyPrefix: `qsessions-live:${randomUUID()}:` },
    live: { checkInterval: '1h' },
  });

  it('a revocation on one instance closes the other instance’s connection with the reason; timings printed', async () => {
    const [first, second] = await pair.start();
    const timings: number[] = [];
    for (let round = 0; round < 10; round++) {
      const { browser, userId } = await signIn(first);
      const socket = pair.connect(second, browser.key!);
      expect((await socket.hello).id).toBe(digest(browser.key!));
      const started = performance.now();
      await first.sessions.revoke(userId, digest(browser.key!), { reason: 'admin' });
      const end = await socket.ended;
      timings.push(performance.now() - started);
      expect(end).toEqual({ code: 4001, reason: 'admin' });
    }
    timings.sort((a, b) => a - b);
    console.log(
      `revocation on one instance → close on the other (ms): median ${timings[5]!.toFixed(1)}, max ${timings[9]!.toFixed(1)}`,
    );
  });

  it('revocations made at once, before the publishing connection exists, all reach the other instance', async () => {
    const [first, second] = await pair.start();
    // Signed in on the second instance: the first publishes nothing before the revocations.
    const signedIn = await Promise.all(Array.from({ length: 20 }, () => signIn(second)));
    const sockets = signedIn.map(({ browser }) => pair.connect(second, browser.key!));
    await Promise.all(sockets.map((socket) => socket.hello));
    await Promise.all(
      signedIn.map(({ browser, userId }) => first.sessions.revoke(userId, digest(browser.key!), { reason: 'admin' })),
    );
    const ends = await Promise.all(sockets.map((socket) => socket.ended));
    expect(ends).toEqual(sockets.map(() => ({ code: 4001, reason: 'admin' })));
  });

  it('a logout over HTTP on one instance closes the other’s connection with "logout"', async () => {
    const [first, second] = await pair.start();
    const { browser } = await signIn(first);
    const socket = pair.connect(second, browser.key!);
    await socket.hello;
    await browser.send('post', '/logout');
    expect(await socket.ended).toEqual({ code: 4001, reason: 'logout' });
  });
});

describe.each(databaseVariants())('live revocation by the periodic check (db engine, no Redis) on $name', (variant) => {
  const pair = pairOn(variant, { history: true, live: { checkInterval: 1000 } });

  it('the other instance closes the connection at its next check, with the reason the history gives', async () => {
    const [first, second] = await pair.start();
    const { browser, userId } = await signIn(first);
    const socket = pair.connect(second, browser.key!);
    await socket.hello;
    await first.sessions.revoke(userId, digest(browser.key!), { reason: 'password-changed' });
    expect(await socket.ended).toEqual({ code: 4001, reason: 'password-changed' });
  });
});

describe.each(databaseVariants().slice(0, 1))(
  'live revocation while the pub/sub Redis is unreachable, on $name',
  (variant) => {
    // Nothing listens on port 1: connections are accepted all the same, and the check closes them.
    const pair = pairOn(variant, { live: { redisUrl: 'redis://127.0.0.1:1', checkInterval: 1000 } });

    it('accepts connections and closes them at the next check', async () => {
      const [first, second] = await pair.start();
      const { browser, userId } = await signIn(first);
      const socket = pair.connect(second, browser.key!);
      expect((await socket.hello).userId).toBe(userId);
      const later = pair.connect(second, browser.key!);
      expect((await later.hello).userId).toBe(userId);
      await first.sessions.revoke(userId, digest(browser.key!));
      expect(await socket.ended).toEqual({ code: 4001, reason: 'ended' });
      expect(await later.ended).toEqual({ code: 4001, reason: 'ended' });
    });
  },
);

describe.each(databaseVariants().slice(0, 1))('a session that expires while connected, on $name', (variant) => {
  const pair = pairOn(variant, { cookie: { maxAge: 1500 } });

  it('is closed at its expiry with reason "expired"', async () => {
    const [first] = await pair.start();
    const { browser } = await signIn(first);
    const socket = pair.connect(first, browser.key!);
    await socket.hello;
    expect(await socket.ended).toEqual({ code: 4001, reason: 'expired' });
  });
});
