import { jest } from '@jest/globals';
import { LiveConnectionRegistry } from '../lib/live/live-connection-registry.js';
import { LiveSessionChecker, type LiveSessionSource } from '../lib/live/live-session-checker.js';
import { decodeSessionEnd, encodeSessionEnd, MAX_IDS_PER_MESSAGE } from '../lib/live/session-end-channel.js';
import { resolveOptions } from '../lib/options/resolve-options.js';
import type { SessionRecord } from '../lib/session/session-record.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('session-end messages (what any Redis client could publish)', () => {
  it('round-trip ids and reason', () => {
    expect(decodeSessionEnd(encodeSessionEnd([A, B], 'logout'))).toEqual({ digests: [A, B], reason: 'logout' });
  });

  it.each([
    ['not JSON', '{'],
    ['no ids', JSON.stringify({ reason: 'x' })],
    ['ids not an array', JSON.stringify({ ids: A, reason: 'x' })],
    ['an id of the wrong shape', JSON.stringify({ ids: [A, 'zz'], reason: 'x' })],
    ['an id that is a key, not a digest', JSON.stringify({ ids: ['k'.repeat(32)], reason: 'x' })],
    ['a reason that is not a string', JSON.stringify({ ids: [A], reason: 1 })],
    ['too many ids', JSON.stringify({ ids: Array(MAX_IDS_PER_MESSAGE + 1).fill(A), reason: 'x' })],
    ['null', 'null'],
  ])('refuse %s', (_name, message) => {
    expect(decodeSessionEnd(message)).toBeNull();
  });

  it('carry when the sessions ended and which channel sent them, when told', () => {
    const from = '0b0c3e43-3f4e-4b8e-9d3c-1f2a3b4c5d6e';
    expect(decodeSessionEnd(encodeSessionEnd([A], 'admin', { endedAt: 1_700_000_000_123, from }))).toEqual({
      digests: [A],
      reason: 'admin',
      endedAt: 1_700_000_000_123,
      from,
    });
  });

  it('accept a message of an earlier version (no time, no sender): ended, not measured', () => {
    const decoded = decodeSessionEnd(JSON.stringify({ ids: [A], reason: 'logout' }));
    expect(decoded).toEqual({ digests: [A], reason: 'logout' });
    expect(decoded).not.toHaveProperty('endedAt');
    expect(decoded).not.toHaveProperty('from');
  });

  it.each([
    ['a time that is a string', { at: '1700000000000' }],
    ['a time that is not an integer', { at: 1.5 }],
    ['a time before the epoch', { at: -5 }],
    ['a time beyond safe integers', { at: 2 ** 60 }],
    ['a sender that is not a UUID', { from: 'x'.repeat(500) }],
    ['a sender that is not a string', { from: 42 }],
  ])('end the sessions of a message with %s, keeping only the well-formed parts', (_name, extra) => {
    const decoded = decodeSessionEnd(JSON.stringify({ ids: [A], reason: 'admin', ...extra }));
    expect(decoded?.digests).toEqual([A]);
    for (const key of Object.keys(extra)) expect(decoded).not.toHaveProperty(key === 'at' ? 'endedAt' : key);
  });

  it('bound the reason and keep it printable', () => {
    expect(decodeSessionEnd(JSON.stringify({ ids: [A], reason: 'x'.repeat(500) }))?.reason).toHaveLength(64);
    expect(decodeSessionEnd(JSON.stringify({ ids: [A], reason: 'a\r\nb\u0000' }))?.reason).toBe('ab');
    expect(decodeSessionEnd(JSON.stringify({ ids: [A], reason: '\u0007' }))?.reason).toBe('ended');
  });
});

describe('the live option', () => {
  const base = { userEntity: class User {} } as never;

  it('defaults: a 30 s check, the Redis of the cached_db cache, a channel under its prefix', () => {
    const options = resolveOptions({ ...(base as object), engine: 'cached_db', cache: { redisUrl: 'redis://h:6379' } });
    expect(options.live).toEqual({
      checkIntervalMs: 30_000,
      redis: { url: 'redis://h:6379' },
      channel: 'qsessions:live',
      allowedOrigins: new Set(),
    });
    expect(resolveOptions({ ...(base as object), engine: 'db' }).live.redis).toBeNull();
  });

  it("defaults to the cache's sentinels when the cache is behind Sentinel", () => {
    const sentinel = { name: 'mymaster', sentinels: ['10.0.0.1:26379', { host: '10.0.0.2', port: 26380 }] };
    const options = resolveOptions({ ...(base as object), engine: 'cached_db', cache: { sentinel } });
    expect(options.live.redis).toEqual({
      sentinel: {
        name: 'mymaster',
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '10.0.0.2', port: 26380 },
        ],
      },
    });
  });

  it('redisUrl: false turns the channel off; a URL of its own is taken', () => {
    const off = resolveOptions({
      ...(base as object),
      engine: 'cached_db',
      cache: { redisUrl: 'redis://h' },
      live: { redisUrl: false },
    });
    expect(off.live.redis).toBeNull();
    expect(
      resolveOptions({ ...(base as object), live: { redisUrl: 'rediss://other:6380', checkInterval: '5s' } }).live,
    ).toEqual({
      checkIntervalMs: 5000,
      redis: { url: 'rediss://other:6380' },
      channel: 'qsessions:live',
      allowedOrigins: new Set(),
    });
  });

  it.each([
    [{ checkInterval: 10 }, /at least 1 second/],
    [{ checkInterval: 'soon' }, /checkInterval/],
    [{ redisUrl: 'http://x' }, /live.redisUrl/],
    [{ channel: '' }, /live.channel/],
    [{ interval: 5 }, /interval/],
    [{ allowedOrigins: ['https://app.example.com/'] }, /allowedOrigins/],
    [{ allowedOrigins: 'https://app.example.com' }, /allowedOrigins/],
  ])('refuses %j', (live, message) => {
    expect(() => resolveOptions({ ...(base as object), live } as never)).toThrow(message);
  });
});

describe('LiveSessionChecker', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  function record(digest: string, expiresAt: number): SessionRecord {
    return { digest, expireDate: new Date(expiresAt), createdAt: new Date(0) } as SessionRecord;
  }

  function setup(stored: Map<string, SessionRecord>) {
    const closed: Array<[string, string]> = [];
    const registry = new LiveConnectionRegistry({ warn: () => undefined, error: () => undefined }, (digest) =>
      checker.forget(digest),
    );
    const source: LiveSessionSource = {
      usableRecord: async (digest) => stored.get(digest) ?? null,
      usableUntil: (r) => r.expireDate.getTime(),
      endOf: async () => ({ reason: 'revoke', at: new Date() }) as never,
    };
    const checker = new LiveSessionChecker(registry, source, 60_000, { warn: () => undefined }, () => Date.now());
    const connect = (digest: string) => registry.add({ digest, close: (reason) => closed.push([digest, reason]) });
    return { registry, checker, closed, connect };
  }

  it('closes at expiry, unless the session was used meanwhile (the timer moves with it)', async () => {
    const stored = new Map([[A, record(A, Date.now() + 1000)]]);
    const { checker, closed, connect } = setup(stored);
    connect(A);
    checker.follow(stored.get(A)!);
    // Used elsewhere: the stored expiry moved on; the timer fires, reads it, re-arms.
    stored.set(A, record(A, Date.now() + 3000));
    await jest.advanceTimersByTimeAsync(1000);
    expect(closed).toEqual([]);
    stored.delete(A);
    await jest.advanceTimersByTimeAsync(2000);
    expect(closed).toEqual([[A, 'expired']]);
    checker.stop();
  });

  it('the periodic check closes sessions gone before their expiry, with the reason the history gives', async () => {
    const stored = new Map([
      [A, record(A, Date.now() + 3_600_000)],
      [B, record(B, Date.now() + 3_600_000)],
    ]);
    const { checker, closed, connect, registry } = setup(stored);
    connect(A);
    connect(B);
    checker.follow(stored.get(A)!);
    checker.follow(stored.get(B)!);
    stored.delete(B);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(closed).toEqual([[B, 'revoke']]);
    expect(registry.sessions()).toEqual([A]);
    checker.stop();
  });

  it('a store that cannot be read closes nothing', async () => {
    const { checker, closed, connect } = setup(new Map());
    connect(A);
    (checker as unknown as { source: LiveSessionSource }).source.usableRecord = () => Promise.reject(new Error('down'));
    checker.follow(record(A, Date.now() + 3_600_000));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(closed).toEqual([]);
    checker.stop();
  });
});
