import { CacheTrust } from '../lib/cache/cache-trust.js';

// The rules of the trust window, on a clock the test moves and a check the test settles: trust
// counts from the start of the last successful check, a failed check extends nothing, and a
// distrust while a check runs voids that check (it may have read the cache before the loss).

function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CacheTrust', () => {
  let now = 1_000_000;
  const clock = () => now;
  let pending: Array<ReturnType<typeof deferred>> = [];
  const check = () => {
    const next = deferred();
    pending.push(next);
    return next.promise;
  };
  const trust = () => new CacheTrust({ checkEveryMs: 1000, trustMs: 2500 }, check, clock);

  beforeEach(() => {
    now = 1_000_000;
    pending = [];
  });

  it('is not trusted before a check succeeds, then for trustMs from the start of that check', async () => {
    const subject = trust();
    const run = subject.run();
    expect(subject.trusted()).toBe(false);
    now += 400;
    pending[0]!.resolve();
    expect(await run).toBe(true);
    expect(subject.trusted()).toBe(true);
    now += 2099;
    expect(subject.trusted()).toBe(true);
    now += 1;
    expect(subject.trusted()).toBe(false);
  });

  it('a failed check extends nothing', async () => {
    const subject = trust();
    const first = subject.run();
    pending[0]!.resolve();
    await first;
    now += 2000;
    const second = subject.run();
    pending[1]!.reject(new Error('Redis is down'));
    expect(await second).toBe(false);
    now += 600;
    expect(subject.trusted()).toBe(false);
  });

  it('distrust ends the trust at once, and a check that started before it does not bring it back', async () => {
    const subject = trust();
    const first = subject.run();
    pending[0]!.resolve();
    await first;
    const voided = subject.run();
    subject.distrust();
    expect(subject.trusted()).toBe(false);
    pending[1]!.resolve();
    // Not started (no timer): the voided check is not rerun by itself.
    expect(await voided).toBe(false);
    expect(subject.trusted()).toBe(false);
    const fresh = subject.run();
    pending[2]!.resolve();
    expect(await fresh).toBe(true);
    expect(subject.trusted()).toBe(true);
  });

  it('joins a check already running instead of starting another', async () => {
    const subject = trust();
    const a = subject.run();
    const b = subject.run();
    expect(pending).toHaveLength(1);
    pending[0]!.resolve();
    expect(await Promise.all([a, b])).toEqual([true, true]);
  });
});
