import type { QSessionsClock } from '../../lib/index.js';

/**
 * The real time plus an offset that a test moves forward: expiry and refresh rules then run
 * without waiting, while everything else (timers, database and Redis) keeps its real time.
 */
export class TestClock implements QSessionsClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Lets `ms` pass for the module at once. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to the real time (for the next test of a shared app). */
  reset(): void {
    this.offsetMs = 0;
  }
}
