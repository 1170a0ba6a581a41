import type { WarningSink } from '../util/warn-once.js';

/**
 * Prints each kind of problem once: a missing GeoIP database is one warning for the life of the
 * locator (one per app, so one per process), never one per request or per address. A kind is
 * re-armed with {@link forget} once the problem is gone, so that it is reported again if it
 * comes back (a database replaced by a broken file months later).
 */
export class WarnOncePerKind {
  private readonly reported = new Set<string>();

  constructor(private readonly sink: WarningSink) {}

  /** Prints `message` unless a warning of this `kind` was already printed. */
  warn(kind: string, message: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.sink.warn(message);
  }

  /** Re-arms every kind that starts with `prefix`. */
  forget(prefix: string): void {
    for (const kind of this.reported) if (kind.startsWith(prefix)) this.reported.delete(kind);
  }
}
