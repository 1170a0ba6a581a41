/** Something that can print a warning; Nest's Logger fits. */
export interface WarningSink {
  warn(message: string): void;
}

/** Something that can report an unexpected error too; Nest's Logger fits. */
export interface ErrorSink extends WarningSink {
  error(message: string, stack?: string): void;
}

/**
 * Rate-limits a repeated warning so that a cache outage or a missing GeoIP database is reported
 * once per interval, never once per request.
 */
export class ThrottledWarning {
  private lastAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly sink: WarningSink,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  warn(message: string): void {
    const now = this.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const suffix = this.suppressed > 0 ? ` (${this.suppressed} similar warnings suppressed)` : '';
    this.lastAt = now;
    this.suppressed = 0;
    this.sink.warn(message + suffix);
  }
}
