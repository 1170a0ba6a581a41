import { settleSessionLimit, type SessionLimit } from '../lib/session/session-limit.js';
import type { SessionRecord } from '../lib/session/session-record.js';
import { KeyedMutex } from '../lib/util/keyed-mutex.js';

// The cap's decision, case by case (the end-to-end suite runs it on every engine).

function session(digest: string, createdAt: number, updatedAt = createdAt): SessionRecord {
  return {
    digest,
    data: '{}',
    userId: 1,
    ip: null,
    userAgent: null,
    expireDate: new Date(10_000_000),
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
  };
}

const limit = (policy: SessionLimit['policy'], max = 2, replacing: string | null = null): SessionLimit => ({
  max,
  policy,
  replacing,
});

describe('settleSessionLimit', () => {
  // a signed in first but was used last; b was used least recently; c is the new sign-in.
  const a = session('a', 1000, 5000);
  const b = session('b', 2000, 3000);
  const c = session('c', 6000);

  it('ends nothing within the limit', () => {
    for (const policy of ['evict-least-recent', 'evict-oldest', 'refuse'] as const) {
      expect(settleSessionLimit([a, c], 'c', limit(policy))).toEqual({ end: [], refused: null });
    }
  });

  it('evicts the least recently used, or the oldest sign-in', () => {
    expect(settleSessionLimit([a, b, c], 'c', limit('evict-least-recent'))).toEqual({ end: ['b'], refused: null });
    expect(settleSessionLimit([a, b, c], 'c', limit('evict-oldest'))).toEqual({ end: ['a'], refused: null });
    expect(settleSessionLimit([a, b, c], 'c', limit('evict-oldest', 1))).toEqual({ end: ['b', 'a'], refused: null });
  });

  it('keeps a concurrent newer sign-in over its own when evicting, by one order every process shares', () => {
    const d = session('d', 6000);
    // c and d signed in at the same millisecond: the larger digest is the newer, for both.
    expect(settleSessionLimit([c, d], 'c', limit('evict-oldest', 1)).end).toEqual(['c']);
    expect(settleSessionLimit([c, d], 'd', limit('evict-oldest', 1)).end).toEqual(['c']);
  });

  it('refuses a sign-in past the limit: it ends only itself, and lists the others', () => {
    expect(settleSessionLimit([a, b, c], 'c', limit('refuse'))).toEqual({ end: ['c'], refused: [a, b] });
  });

  it('does not count the session being replaced, and ends it only when the sign-in stays', () => {
    expect(settleSessionLimit([a, b, c], 'c', limit('refuse', 2, 'a'))).toEqual({ end: ['a'], refused: null });
    // Not one of the user's live sessions: no effect.
    expect(settleSessionLimit([a, b, c], 'c', limit('refuse', 2, 'zz'))).toEqual({ end: ['c'], refused: [a, b] });
    // Still too many without it: refused, and the chosen one stays.
    expect(settleSessionLimit([a, b, c], 'c', limit('refuse', 1, 'a'))).toEqual({ end: ['c'], refused: [a, b] });
    // The new session itself cannot be the one replaced.
    expect(settleSessionLimit([a, c], 'c', limit('refuse', 1, 'c'))).toEqual({ end: ['c'], refused: [a] });
    expect(settleSessionLimit([a, b, c], 'c', limit('evict-least-recent', 2, 'a'))).toEqual({
      end: ['a'],
      refused: null,
    });
  });
});

describe('KeyedMutex', () => {
  it('runs tasks of one key one after another, of different keys side by side, and goes on after a failure', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        order.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      mutex.run('u1', task('a', 20, true)),
      mutex.run('u1', task('b', 1)),
      mutex.run('u2', task('c', 5)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(order.indexOf('b start')).toBeGreaterThan(order.indexOf('a end'));
    expect(order.indexOf('c start')).toBeLessThan(order.indexOf('a end'));
    await new Promise((resolve) => setImmediate(resolve));
    expect((mutex as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });
});
