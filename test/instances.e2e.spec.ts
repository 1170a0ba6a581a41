import WebSocket from 'ws';
import { SESSION_ENDED_CLOSE_CODE } from '../lib/index.js';
import { LIVE_PATH } from '../sample-app/src/live/live-client.js';
import { WATCHING_MESSAGE } from '../sample-app/src/live/live.gateway.js';
import { buildSampleApp } from './support/cli-build.js';
import { caches, databases, type CacheKind, type DatabaseKind } from './support/matrix.js';
import { sampleEnv } from './support/sample-app.js';
import { Browser, type Card } from './support/sample-browser.js';
import { startSampleProcess, type SampleProcess } from './support/sample-process.js';

// Several instances: two real app processes (the compiled sample app, as `npm run sample` runs
// it) share one database and, for cached_db, one Redis, as a load-balanced deployment does. A
// session signed in on one is used on the other; a session revoked on one is refused by the
// other on its very next request, and (with Redis) its live socket there closes at once; both list
// the same sessions; a crashed instance loses nothing.
// Server databases only: two processes writing one SQLite file is not a deployment we support.

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0';

interface InstancesVariant {
  database: DatabaseKind;
  engine: 'db' | 'cached_db';
  cache: CacheKind;
}

const serverDatabases = databases.filter((database) => database !== 'sqlite');
const instanceVariants: InstancesVariant[] = serverDatabases.flatMap((database) => [
  { database, engine: 'db' as const, cache: 'memory' as const },
  // The in-memory cache is per process by design (README: Guarantees); shared state needs Redis.
  ...(caches.includes('redis') ? [{ database, engine: 'cached_db' as const, cache: 'redis' as const }] : []),
]);

/** What a card shows that both instances must agree on (not "This device" and "Active now", which depend on the viewer). */
const shown = (cards: Card[]) =>
  cards
    .map(({ id, title, facts: { 'Last active': _lastActive, ...facts } }) => ({ id, title, facts }))
    .sort((a, b) => a.id.localeCompare(b.id));

if (instanceVariants.length === 0) {
  it.skip('two app processes need PostgreSQL or MariaDB (QSESSIONS_TEST_DBS=postgres,...)', () => undefined);
}

// Jest refuses describe.each over an empty table (a bare `npm test`, SQLite only): then one row,
// skipped, stands in for the variants that need a server.
const eachInstancesVariant =
  instanceVariants.length > 0
    ? describe.each(instanceVariants)
    : describe.skip.each<InstancesVariant>([{ database: 'postgres', engine: 'db', cache: 'memory' }]);

eachInstancesVariant('two app processes on $database, $engine engine', ({ database, engine, cache }) => {
  let first: SampleProcess | undefined;
  let second: SampleProcess | undefined;
  const env = (extra: Record<string, string> = {}) =>
    sampleEnv(database, engine === 'cached_db' ? cache : 'memory', { SAMPLE_ENGINE: engine, ...extra });

  beforeAll(async () => {
    await buildSampleApp();
    // The first one empties the database; the second joins it as it is.
    first = await startSampleProcess(env());
    second = await startSampleProcess(env({ SAMPLE_RESET: '0' }));
  }, 300_000);
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('serves a session signed in on one process from the other, and both list the same sessions', async () => {
    const windows = new Browser(first!.url, CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    windows.url = second!.url;
    const seenOnSecond = await windows.sessionsPage();
    expect(seenOnSecond.filter((card) => card.current).map((card) => card.id)).toEqual([windows.sessionId]);

    const iphone = new Browser(second!.url, SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');
    iphone.url = first!.url;
    const listedByFirst = await iphone.sessionsPage();
    windows.url = second!.url;
    const listedBySecond = await windows.sessionsPage();
    expect(shown(listedByFirst)).toEqual(shown(listedBySecond));
    expect(shown(listedByFirst).map((card) => card.id)).toEqual([windows.sessionId, iphone.sessionId].sort());
    // Each instance recorded where the request it served came from.
    expect(listedByFirst.find((card) => card.id === windows.sessionId)!.facts.Location).toBe('Linköping, Sweden');
  });

  it('refuses on one process, on its very next request, a session revoked on the other', async () => {
    const windows = new Browser(first!.url, CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('bob');
    // In use on the first process (and so in its cache, for cached_db) right before the revocation.
    for (let i = 0; i < 3; i++) expect((await windows.get('/sessions')).status).toBe(200);

    const iphone = new Browser(second!.url, SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('bob');
    await iphone.sessionsPage();
    const revoked = await iphone.post(`/sessions/${windows.sessionId}/revoke`, { _csrf: iphone.token });
    expect([revoked.status, revoked.headers.location]).toEqual([303, '/sessions']);

    const refused = await windows.get('/sessions');
    // The other process also knows why (the sign-in history the sample app keeps).
    expect([refused.status, refused.headers.location]).toEqual([303, '/login?ended=revoke']);
    expect(windows.key).toBeUndefined();
    expect((await iphone.sessionsPage()).map((card) => card.id)).toEqual([iphone.sessionId]);
  });

  it('ends on the first process every other session after "sign out all others" on the second', async () => {
    const browsers = [
      new Browser(first!.url, CHROME_WINDOWS, '89.160.20.112'),
      new Browser(first!.url, FIREFOX_MAC, '2001:218::1'),
    ];
    for (const browser of browsers) {
      await browser.signIn('admin');
      await browser.sessionsPage();
    }
    const keeper = new Browser(second!.url, SAFARI_IPHONE, '81.2.69.160');
    await keeper.signIn('admin');
    await keeper.sessionsPage();
    const others = await keeper.post('/sessions/revoke-others', { _csrf: keeper.token });
    expect([others.status, others.headers.location]).toEqual([303, '/sessions']);

    for (const browser of browsers) {
      expect((await browser.get('/sessions')).headers.location).toBe('/login?ended=revoke-others');
    }
    keeper.url = first!.url;
    expect((await keeper.sessionsPage()).map((card) => [card.id, card.current])).toEqual([[keeper.sessionId, true]]);
  });

  // With Redis, the library tells the other processes of an end at once (pub/sub); without it, a
  // process notices at its next periodic check (`live.checkInterval`, 30 s), not waited for here.
  (engine === 'cached_db' && cache === 'redis' ? it : it.skip)(
    'closes at once, on one process, the live socket of a session revoked on the other (Redis pub/sub)',
    async () => {
      const windows = new Browser(first!.url, CHROME_WINDOWS, '89.160.20.112');
      await windows.signIn('bob');
      const socket = new WebSocket(`${first!.url.replace(/^http/, 'ws')}${LIVE_PATH}`, {
        headers: { Cookie: `sessionid=${windows.key}`, 'User-Agent': CHROME_WINDOWS },
      });
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
      );
      // The first process follows the session from here on.
      expect(String(await new Promise((resolve) => socket.once('message', resolve)))).toBe(WATCHING_MESSAGE);

      const iphone = new Browser(second!.url, SAFARI_IPHONE, '81.2.69.160');
      await iphone.signIn('bob');
      await iphone.sessionsPage();
      await iphone.post(`/sessions/${windows.sessionId}/revoke`, { _csrf: iphone.token });
      expect(await closed).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'revoke' });
    },
  );

  it('loses no session when a process crashes: the other serves it, and so does the restarted one', async () => {
    const windows = new Browser(first!.url, CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const id = windows.sessionId;
    await first!.kill();

    windows.url = second!.url;
    expect((await windows.sessionsPage()).map((card) => card.id)).toContain(id);

    first = await startSampleProcess(env({ SAMPLE_RESET: '0' }));
    windows.url = first.url;
    const cards = await windows.sessionsPage();
    expect(cards.filter((card) => card.current).map((card) => card.id)).toEqual([id]);
  }, 120_000);
});
