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
 * node-redis turns tracking on in the handshake of every connection (`emitInvalidate`), so a
 * connection that is ready is tracked from its first command; this class follows the
 * connection's life and tells when copies may be trusted:
 * - Redis queues the invalidation for every tracking connection while it runs the write, and
 *   sends it in the same pass of its event loop as the reply to the writer; on one connection
 *   messages arrive in order, so once a reply to a later command (the heartbeat's PING) is in,
 *   every invalidation for writes made before that PING has been handled.
 * - A copy is trusted only while the connection it was read on lasts (the {@link session}
 *   token), and only within `trustMs` of the newest proof.
 * - A connection that errors, ends or reconnects drops every copy (listeners hear `null`).
 */
export class RedisKeyTracking {
  /** Identifies the connection tracking is on for; changes whenever it is lost or re-established. */
  private connection = 0;
  private tracked = false;
  /** Set for good by {@link disable}: copies are never trusted again. */
  private disabled = false;
  /** When the PING of the newest proof was sent (epoch ms). */
  private provedAt = Number.NEGATIVE_INFINITY;
  private readonly listeners: Array<(key: string | null) => void> = [];
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: TrackableRedisClient,
    private readonly options: RedisKeyTrackingOptions = KEY_TRACKING_TIMINGS,
    private readonly now: () => number = Date.now,
  ) {
    client.on('ready', () => this.tracking());
    client.on('invalidate', (key) => this.notify(key === null ? null : String(key)));
    for (const event of ['error', 'end', 'reconnecting'] as const) client.on(event, () => this.lose());
    if (client.isReady) this.tracking();
  }

  /**
   * The token of the tracked connection when copies may be trusted now; null when they may not
   * (not connected, or no proof within `trustMs`). A copy read under one token is valid only
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

  /** Stops trusting copies for good (the connection is being replaced by one without tracking). */
  disable(): void {
    this.disabled = true;
    this.close();
  }

  /** Stops the heartbeat (the app is shutting down); copies are no longer trusted. */
  close(): void {
    this.lose();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** The connection is ready, so its handshake turned tracking on. */
  private tracking(): void {
    if (this.disabled) return;
    this.connection++;
    this.tracked = true;
    this.provedAt = this.now();
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
}
