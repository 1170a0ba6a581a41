import { NearCache, type CopyTrust } from '../lib/cache/near-cache.js';

// NearCache keeps this process's copies of what it read from the shared cache. These tests
// prove the two rules that keep a copy from outliving a change made elsewhere:
// - a read stores its copy only if no invalidation (drop, clear, or a newer read of the same
//   key) came while it was in flight, and only if it began and ended under
//   the same tracking session;
// - a copy is answered only while CopyTrust.session() is the session it was read under: a
//   different session deletes it, and no session (null) hides it until trust comes back.
// The CopyTrust is the injection point RedisKeyTracking fills in production; here a plain object
// whose session() the test sets.

interface Value {
  data: string;
}

class FakeTrust implements CopyTrust {
  current: number | null = 1;
  session(): number | null {
    return this.current;
  }
}

const v = (data: string): { value: Value } => ({ value: { data } });

describe('NearCache', () => {
  let trust: FakeTrust;
  let near: NearCache<Value>;
  beforeEach(() => {
    trust = new FakeTrust();
    near = new NearCache<Value>(100, trust);
  });

  /** Reads `digest` start to end with nothing in between, storing `value`. */
  function store(digest: string, value: { value: Value }): void {
    const ticket = near.beginRead(digest);
    expect(ticket).not.toBeNull();
    near.endRead(digest, ticket!, value);
  }

  it('answers the value a read stored when it ended, and nothing for a digest never read', () => {
    expect(near.get('a')).toBeUndefined();
    store('a', v('A'));
    expect(near.get('a')).toEqual({ data: 'A' });
    expect(near.get('b')).toBeUndefined();
    expect(near.size).toBe(1);
  });

  it('stores nothing for a read that ended without a value (a miss or a failed read)', () => {
    const ticket = near.beginRead('a')!;
    near.endRead('a', ticket);
    expect(near.get('a')).toBeUndefined();
    expect(near.size).toBe(0);
    // The ticket is spent: ending it again with a value stores nothing either.
    near.endRead('a', ticket, v('late'));
    expect(near.get('a')).toBeUndefined();
  });

  it.each([
    ['drop() of that digest', (cache: NearCache<Value>) => cache.drop('a')],
    ['clear()', (cache: NearCache<Value>) => cache.clear()],
  ])('stores nothing for a read whose ticket was voided by %s while it was in flight', (_label, invalidate) => {
    const ticket = near.beginRead('a')!;
    invalidate(near);
    near.endRead('a', ticket, v('read before the change'));
    expect(near.get('a')).toBeUndefined();
    expect(near.size).toBe(0);
  });

  it('keeps a read in flight when another digest is dropped', () => {
    const ticket = near.beginRead('a')!;
    near.drop('b');
    near.endRead('a', ticket, v('A'));
    expect(near.get('a')).toEqual({ data: 'A' });
  });

  it('lets only the newest read of a digest store: a newer beginRead voids the older ticket', () => {
    const older = near.beginRead('a')!;
    const newer = near.beginRead('a')!;
    expect(newer).not.toBe(older);
    near.endRead('a', older, v('older'));
    expect(near.get('a')).toBeUndefined();
    near.endRead('a', newer, v('newer'));
    expect(near.get('a')).toEqual({ data: 'newer' });
    // The older read finishing after the newer one must not overwrite it either.
    near.endRead('a', older, v('older, later still'));
    expect(near.get('a')).toEqual({ data: 'newer' });
  });

  it('stores nothing for a read begun under session 1 and ended under session 2', () => {
    const ticket = near.beginRead('a')!;
    trust.current = 2;
    near.endRead('a', ticket, v('read on the old connection'));
    expect(near.size).toBe(0);
    expect(near.get('a')).toBeUndefined();
    trust.current = 1;
    expect(near.get('a')).toBeUndefined();
  });

  it('stores nothing for a read begun under session 1 and ended while nothing is trusted', () => {
    const ticket = near.beginRead('a')!;
    trust.current = null;
    near.endRead('a', ticket, v('A'));
    trust.current = 1;
    expect(near.get('a')).toBeUndefined();
  });

  it('hides copies of session 1 while session() is null, and answers them again when it is 1 again', () => {
    store('a', v('A'));
    trust.current = null;
    expect(near.get('a')).toBeUndefined();
    expect(near.size).toBe(1);
    trust.current = 1;
    expect(near.get('a')).toEqual({ data: 'A' });
  });

  it('deletes copies of session 1 when they are looked at under session 2, for good', () => {
    store('a', v('A'));
    store('b', v('B'));
    trust.current = 2;
    expect(near.get('a')).toBeUndefined();
    expect(near.size).toBe(1);
    trust.current = 1;
    expect(near.get('a')).toBeUndefined();
    // 'b' was not looked at under session 2, so it is still there for session 1.
    expect(near.get('b')).toEqual({ data: 'B' });
  });

  it('drop() and clear() remove stored copies', () => {
    store('a', v('A'));
    store('b', v('B'));
    store('c', v('C'));
    near.drop('b');
    expect(near.get('b')).toBeUndefined();
    expect(near.size).toBe(2);
    near.clear();
    expect(near.size).toBe(0);
    expect(near.get('a')).toBeUndefined();
  });

  it('keeps at most `capacity` copies, the newest among them', () => {
    const small = new NearCache<Value>(3, trust);
    for (const digest of ['a', 'b', 'c', 'd', 'e']) {
      const ticket = small.beginRead(digest)!;
      small.endRead(digest, ticket, v(digest.toUpperCase()));
      expect(small.size).toBeLessThanOrEqual(3);
    }
    expect(small.size).toBe(3);
    expect(small.get('e')).toEqual({ data: 'E' });
    expect(['a', 'b', 'c', 'd'].filter((digest) => small.get(digest) !== undefined)).toHaveLength(2);
  });

  it('gives no ticket while nothing is trusted, and one again when trust comes back', () => {
    trust.current = null;
    expect(near.beginRead('a')).toBeNull();
    trust.current = 3;
    const ticket = near.beginRead('a');
    expect(typeof ticket).toBe('number');
    near.endRead('a', ticket!, v('A'));
    expect(near.get('a')).toEqual({ data: 'A' });
  });
});
