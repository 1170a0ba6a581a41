import { randomUUID } from 'node:crypto';
import { metrics, SpanStatusCode, trace } from '@opentelemetry/api';
import { QSESSIONS_STORE } from '../lib/qsessions.constants.js';
import type { SessionStore } from '../lib/session/session-store.js';
import { InstrumentedSessionStore } from '../lib/telemetry/instrumented-session-store.js';
import { METRIC_NAMES } from '../lib/telemetry/session-metrics.js';
import { digest } from './support/digest.js';
import { variants } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { MySessionsController } from './support/sessions.controller.js';
import { everyAttributeValue, moved, TelemetryRecorder, total } from './support/telemetry-recorder.js';
import { TestClock } from './support/test-clock.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// The library's metrics and spans, read from a real OpenTelemetry SDK (MeterProvider with an
// in-memory exporter, tracer provider with an in-memory span exporter) registered before the
// apps start, as an app's main.ts does; traffic over real HTTP.

const SESSION_COUNTERS = [
  METRIC_NAMES.created,
  METRIC_NAMES.rotated,
  METRIC_NAMES.revoked,
  METRIC_NAMES.expired,
  METRIC_NAMES.cleared,
];
const CACHE_COUNTERS = [METRIC_NAMES.cacheHits, METRIC_NAMES.cacheMisses, METRIC_NAMES.nearCacheHits];

const recorder = new TelemetryRecorder();
beforeAll(() => recorder.register());
afterAll(() => recorder.shutdown());

/** Every session key a test saw, to check that none reached an attribute. */
const keysSeen = new Set<string>();

async function newUser(app: TestApp): Promise<number> {
  return (await app.dataSource.getRepository(IntUser).save({ username: `u${randomUUID()}` })).id;
}

async function signIn(app: TestApp, userId: number, agent = 'Browser/1.0'): Promise<SessionClient> {
  const browser = new SessionClient(app, agent);
  expect((await browser.send('post', '/login', { userId })).status).toBe(200);
  keysSeen.add(browser.key!);
  return browser;
}

describe.each(variants())('metrics and spans on $name', (variant) => {
  let t: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await startTestApp(variant, { controllers: [TestController, MySessionsController], clock });
  });
  afterAll(() => t.close());
  afterEach(() => clock.reset());

  it('wraps the store when an SDK is registered', () => {
    expect(t.app.get(QSESSIONS_STORE)).toBeInstanceOf(InstrumentedSessionStore);
  });

  it('counts sessions created, rotated and revoked (by reason) exactly as the traffic made them', async () => {
    const userId = await newUser(t);
    const before = await recorder.read();

    // An anonymous session, stored, then signed in (its key rotates), read and written.
    const first = new SessionClient(t, 'Browser/1.0');
    await first.send('post', '/set', { cart: 1 });
    keysSeen.add(first.key!);
    await first.send('post', '/login', { userId });
    keysSeen.add(first.key!);
    for (let read = 0; read < 3; read++) expect((await first.send('get', '/read_session')).status).toBe(200);
    await first.send('post', '/set', { cart: 2 });
    // Two more sign-ins without an earlier session; then revocations with three kinds of reason.
    const second = await signIn(t, userId);
    const third = await signIn(t, userId);
    await t.sessions.revoke(userId, digest(second.key!), { reason: 'admin' });
    await t.sessions.revoke(userId, digest(third.key!), { reason: 'a reason of the app' });
    const fourth = await signIn(t, userId);
    const fifth = await signIn(t, userId);
    expect((await fourth.send('post', '/me/sessions/revoke-others')).body).toEqual({ ended: 2 });
    expect((await fifth.send('get', '/read_session')).status).toBe(200);
    await fourth.send('post', '/logout');

    const after = await recorder.read();
    expect(moved(before, after, SESSION_COUNTERS)).toEqual({
      [METRIC_NAMES.created]: 5,
      [METRIC_NAMES.rotated]: 1,
      [`${METRIC_NAMES.revoked}{reason=admin}`]: 1,
      [`${METRIC_NAMES.revoked}{reason=app}`]: 1,
      [`${METRIC_NAMES.revoked}{reason=revoke-others}`]: 2,
      [`${METRIC_NAMES.revoked}{reason=logout}`]: 1,
    });
  });

  it('counts a session presented after its end as expired', async () => {
    const userId = await newUser(t);
    const browser = await signIn(t, userId);
    clock.advance(15 * 24 * 60 * 60 * 1000);
    const before = await recorder.read();
    expect((await browser.send('get', '/read_session')).body).toEqual({});
    const after = await recorder.read();
    expect(moved(before, after, SESSION_COUNTERS)).toEqual({ [METRIC_NAMES.expired]: 1 });
  });

  it('clearExpired() counts what it deleted as cleared (and as revoked with reason "expired")', async () => {
    const userId = await newUser(t);
    await Promise.all([signIn(t, userId), signIn(t, userId), signIn(t, userId)]);
    // Sessions of earlier tests expire too: counted from what clearExpired() says it deleted.
    clock.advance(60 * 24 * 60 * 60 * 1000);
    const before = await recorder.read();
    const deleted = await t.sessions.clearExpired();
    expect(deleted).toBeGreaterThanOrEqual(3);
    const after = await recorder.read();
    expect(moved(before, after, SESSION_COUNTERS)).toEqual({
      [METRIC_NAMES.cleared]: deleted,
      [`${METRIC_NAMES.revoked}{reason=expired}`]: deleted,
    });
  });

  it('records the latency of each store operation by operation and engine, and a span for each', async () => {
    const userId = await newUser(t);
    recorder.spanExporter.reset();
    const before = await recorder.read();
    const browser = await signIn(t, userId);
    await browser.send('get', '/read_session');
    await t.sessions.list(userId);
    const after = await recorder.read();

    const engine = variant.engine;
    const count = (operation: string, reading = after) =>
      total(reading, METRIC_NAMES.storeDuration, { operation, engine });
    // The sign-in creates the row; the read with its cookie gets it; list() lists the user's.
    expect(count('create') - count('create', before)).toBe(1);
    expect(count('get') - count('get', before)).toBe(1);
    expect(count('list_by_user') - count('list_by_user', before)).toBe(1);
    for (const point of after.get(METRIC_NAMES.storeDuration)!) {
      expect(Object.keys(point.attributes).sort()).toEqual(['engine', 'operation']);
      expect(point.min).toBeGreaterThanOrEqual(0);
    }

    const spans = recorder.spans();
    const id = digest(browser.key!);
    const get = spans.find((span) => span.name === 'qsessions.store.get');
    expect(get?.attributes).toEqual({
      'qsessions.store.operation': 'get',
      'qsessions.engine': engine,
      'qsessions.session.id': id,
      'qsessions.outcome': 'found',
    });
    const create = spans.find((span) => span.name === 'qsessions.store.create');
    expect(create?.attributes['qsessions.session.id']).toBe(id);
    expect(create?.attributes['qsessions.outcome']).toBe('ok');
    const list = spans.find((span) => span.name === 'qsessions.store.list_by_user');
    expect(list?.attributes).toEqual({
      'qsessions.store.operation': 'list_by_user',
      'qsessions.engine': engine,
      'qsessions.sessions.count': 1,
      'qsessions.outcome': 'ok',
    });
  });

  it('puts only an id of the public id’s shape on a span (a caller of the store may pass anything)', async () => {
    recorder.spanExporter.reset();
    const store = t.app.get<SessionStore>(QSESSIONS_STORE);
    expect(await store.deleteOfUser(1, 'not an id, maybe a key or a user’s text')).toBe(false);
    const span = recorder.spans().find((candidate) => candidate.name === 'qsessions.store.delete_of_user');
    expect(span?.attributes).toEqual({
      'qsessions.store.operation': 'delete_of_user',
      'qsessions.engine': variant.engine,
      'qsessions.outcome': 'not_found',
    });
  });

  it('counts the cache’s hits and misses (cached_db only)', async () => {
    const userId = await newUser(t);
    const browser = await signIn(t, userId);
    const unknown = new SessionClient(t, 'Browser/1.0');
    const before = await recorder.read();
    for (let read = 0; read < 3; read++) await browser.send('get', '/read_session');
    // An unknown key, sent twice: the database is asked once, then the cache remembers its absence.
    for (let read = 0; read < 2; read++) {
      unknown.key = 'k'.repeat(32);
      await unknown.send('get', '/read_session');
    }
    const after = await recorder.read();
    // With Redis, the process keeps copies (the near cache): the first read after the sign-in's
    // write goes to Redis, the next two are answered here. The absence mark is read from Redis.
    const near = variant.cache === 'redis' ? { [METRIC_NAMES.nearCacheHits]: 2 } : {};
    expect(moved(before, after, CACHE_COUNTERS)).toEqual(
      variant.engine === 'cached_db' ? { [METRIC_NAMES.cacheHits]: 4, [METRIC_NAMES.cacheMisses]: 1, ...near } : {},
    );
  });

  it('puts no session key, user id or digest in any metric attribute, and no key in any span', async () => {
    const reading = await recorder.read();
    const spanValues = everyAttributeValue(new Map(), recorder.spans());
    const metricValues = everyAttributeValue(reading, []);
    expect(keysSeen.size).toBeGreaterThan(5);
    for (const key of keysSeen) {
      expect(spanValues).not.toContain(key);
      expect(metricValues).not.toContain(key);
      expect(metricValues).not.toContain(digest(key));
    }
    expect(metricValues.every((value) => !/^[0-9a-f]{64}$/.test(value) && !/^\d+$/.test(value))).toBe(true);
  });
});

// Keeps the imports honest: the API the test registers with is the one the library reads.
it('the providers are the global ones', () => {
  expect(metrics.getMeterProvider()).not.toBe(undefined);
  expect(trace.getTracerProvider()).not.toBe(undefined);
});

describe.each(variants().filter((variant) => variant.engine === 'db'))(
  'a failing store operation on $name',
  (variant) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(variant);
    });
    afterAll(() => t?.close());

    it('ends its span with the error recorded, and still records its duration', async () => {
      const userId = await newUser(t);
      const browser = await signIn(t, userId);
      const before = await recorder.read();
      recorder.spanExporter.reset();
      await t.dataSource.destroy();
      try {
        expect((await browser.send('get', '/read_session')).status).toBe(503);
      } finally {
        await t.dataSource.initialize();
      }
      const get = recorder.spans().find((span) => span.name === 'qsessions.store.get')!;
      expect(get.attributes['qsessions.outcome']).toBe('error');
      expect(get.attributes['qsessions.session.id']).toBe(digest(browser.key!));
      expect(get.status.code).toBe(SpanStatusCode.ERROR);
      expect(get.events.map((event) => event.name)).toEqual(['exception']);
      const after = await recorder.read();
      const gets = (reading: typeof after) =>
        total(reading, METRIC_NAMES.storeDuration, { operation: 'get', engine: 'db' });
      expect(gets(after) - gets(before)).toBe(1);
    });
  },
);
