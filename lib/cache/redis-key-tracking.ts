import type { WarningSink } from '../core/warn-once.js';

/** The part of a node-redis 5 client (RESP3, `emitInvalidate: true`) that key tracking uses. */
export interface TrackableRedisClient {
  readonly isReady: boolean;
  on(event: 'ready' | 'end' | 'error' | 'reconnecting', listener: () => void): unknown;
  on(event: 'invalidate', listener: (key: unknown) => void): unknown;
  sendCommand(args: string[]): Promise<unknown>;
}

/** Timings of {@link RedisKeyTracking}. */
export interface RedisKeyTrackingOptions {
  /** How often the connection is proved to be delivering (a PING answered). */
  heartbeatMs: number;
  /**
   * How long after the newest proof what this process read may still be trusted. Past it (a
   * connection that went silent without closing, or an event loop too busy to hear back),
   * nothing read earlier is trusted until the next answer.
   */
  trustMs: number;
}

/** Default {@link RedisKeyTrackingOptions}: proved twice a second, trusted for 1.5 s after a proof. */
export const KEY_TRACKING_TIMINGS: RedisKeyTrackingOptions = { heartbeatMs: 500, trustMs: 1500 };

/**
 * Redis's server-assisted client-side caching (`CLIENT TRACKING ON`, RESP3) on one connection:
 * Redis remembers every key this connection read and, when any of them is changed or deleted
 * by anyone, pushes an `invalidate` message on this same connection. That is what lets a
 * process keep copies of what it read and still see a revocation made by another process.
 *
 * Why the guarantees hold:
 * - Redis queues the invalidation for this connection while it runs the write, so it leaves
 *   Redis no later than the reply to the writer, and on one connection messages arrive in
 *   order: once a reply to a later command (the heartbeat's PING) is in, every invalidation
 *   for writes made before that PING has been handled.
 * - A copy is trusted only while tracking is on for the connection it was read on (the
 *   {@link session} token), and only within `trustMs` of the newest such proof.
 * - A connection that errors, ends or reconnects drops every copy (listeners hear `null`).
 *
 * Turned on after every (re)connection. A server that refuses `CLIENT TRACKING` (Redis before
 * 6, some proxies) is warned about once and the copies are simply never trusted.
 */
export class RedisKeyTracking {
  /** Identifies the connection tracking is on for; changes whenever it is lost or re-established. */
  private connection = 0;
  private tracked = false;
  /** When the PING of the newest proof was sent (epoch ms). */
  private provedAt = Number.NEGATIVE_INFINITY;
  private readonly listeners: Array<(key: string | null) => void> = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private refusedWarned = false;

  constructor(
    private readonly client: TrackableRedisClient,
    private readonly logger: WarningSink,
    private readonly options: RedisKeyTrackingOptions = KEY_TRACKING_TIMINGS,
    private readonly now: () => number = Date.now,
  ) {
    client.on('ready', () => void this.enable());
    client.on('invalidate', (key) => this.notify(key === null ? null : String(key)));
    for (const event of ['error', 'end', 'reconnecting'] as const) client.on(event, () => this.lose());
    if (client.isReady) void this.enable();
  }

  /**
   * The token of the tracked connection when copies may be trusted now; null when they may not
   * (tracking off, or no proof within `trustMs`). A copy read under one token is valid only
   * while the same token comes back.
   */
  session(): number | null {
    if (!this.tracked || this.now() - this.provedAt > this.options.trustMs) return null;
    return this.connection;
  }

  /** Calls `listener` with each invalidated key, or null when every copy must go. */
  onInvalidate(listener: (key: string | null) => void): void {
    this.listeners.push(listener);
  }

  /** Stops the heartbeat (the app is shutting down); copies are no longer trusted. */
  close(): void {
    this.lose();
    this.stopHeartbeat();
  }

  private async enable(): Promise<void> {
    const connection = ++this.connection;
    this.tracked = false;
    const sentAt = this.now();
    try {
      await this.client.sendCommand(['CLIENT', 'TRACKING', 'ON']);
    } catch (error) {
      if (connection === this.connection && !this.refusedWarned) {
        this.refusedWarned = true;
        this.logger.warn(
          'Redis refused CLIENT TRACKING, so sessions are not kept in this process between requests (every ' +
            `cached read asks Redis). Redis 6 or later supports it; set \`cache.nearCache: false\` to stop trying: ${
              (error as Error)?.message ?? error
            }`,
        );
      }
      return;
    }
    // Lost (or re-established) while the command was on its way: that connection's turn is over.
    if (connection !== this.connection) return;
    this.tracked = true;
    this.provedAt = sentAt;
    this.startHeartbeat();
  }

  private lose(): void {
    this.connection++;
    this.tracked = false;
    this.notify(null);
  }

  private notify(key: string | null): void {
    for (const listener of this.listeners) listener(key);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      if (!this.tracked) return;
      const connection = this.connection;
      const sentAt = this.now();
      this.client.sendCommand(['PING']).then(
        () => {
          if (connection === this.connection && sentAt > this.provedAt) this.provedAt = sentAt;
        },
        // A failed PING proves nothing; the client reports the connection's loss by itself.
        () => undefined,
      );
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
