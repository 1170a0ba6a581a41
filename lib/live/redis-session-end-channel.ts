import { randomUUID } from 'node:crypto';
import { createRedisClient, loadKeyvRedis } from '../cache/redis-connection.js';
import type { RedisTarget } from '../options/redis-target.js';
import type { WarningSink } from '../util/warn-once.js';
import { withTimeout } from '../util/with-timeout.js';
import {
  chunks,
  decodeSessionEnd,
  encodeSessionEnd,
  type SessionEndChannel,
  type SessionEndMessage,
} from './session-end-channel.js';

/** How long a new connection waits for the first subscription of the process. */
const SUBSCRIBE_WAIT_MS = 1000;
/** How long a message waits for the publishing connection to be made. */
const CONNECT_WAIT_MS = 1000;

/** Where the channel reports how long other processes' messages took to arrive (metrics). */
export interface PropagationRecorder {
  /** The time now, in ms since the epoch (the module's clock). */
  now(): number;
  /** A message of another process arrived this long (seconds, possibly negative with skewed clocks) after its sessions ended. */
  propagated(seconds: number): void;
}

/** The node-redis calls the channel makes. */
interface PubSubClient {
  connect(): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  destroy(): void;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
}

/**
 * Ended sessions over Redis pub/sub: one connection publishes (opened at the first ended session),
 * another subscribes (opened when this process keeps its first live connection). Redis must be
 * reachable for a message to pass; while it is not, publishing fails at once (nothing queues up
 * in memory) and the other processes close those connections at their next check
 * (`live.checkInterval`). node-redis reconnects and subscribes again by itself.
 */
export class RedisSessionEndChannel implements SessionEndChannel {
  /** The connections, once asked for: every caller waits for the same connect. */
  private connections: { publisher?: Promise<PubSubClient>; subscriber?: Promise<PubSubClient> } = {};
  /** Every client made, connected or not, for close(). */
  private readonly opened: PubSubClient[] = [];
  private subscribed: Promise<void> | null = null;
  /** The subscription is active, or a connection already waited for it in vain: later ones do not wait. */
  private noMoreWaiting = false;
  private outage = false;
  /** This channel's id in its messages: its own come back to it, and are not measured. */
  private readonly sender = randomUUID();

  constructor(
    private readonly target: RedisTarget,
    private readonly channel: string,
    private readonly logger: WarningSink,
    private readonly propagation: PropagationRecorder | null = null,
  ) {}

  publish(digests: readonly string[], reason: string, endedAt?: number): void {
    if (digests.length === 0) return;
    const origin = { endedAt, from: this.sender };
    // Published once connected; while Redis is away, dropped after a short wait (nothing piles up).
    void withTimeout(this.client('publisher'), CONNECT_WAIT_MS, 'Connecting to Redis')
      .then(async (client) => {
        for (const part of chunks(digests)) await client.publish(this.channel, encodeSessionEnd(part, reason, origin));
        // Behind Sentinel there is no 'ready' event to tell that an outage ended: a message that passed does.
        this.outage = false;
      })
      .catch((error: unknown) => this.warnOutage(error));
  }

  listen(listener: (digests: string[], reason: string) => void): Promise<void> {
    this.subscribed ??= this.client('subscriber')
      .then((client) =>
        client.subscribe(this.channel, (message) => {
          const decoded = decodeSessionEnd(message);
          if (!decoded) return;
          this.measure(decoded);
          listener(decoded.digests, decoded.reason);
        }),
      )
      .then(() => {
        this.noMoreWaiting = true;
      })
      .catch((error: unknown) => this.warnOutage(error));
    if (this.noMoreWaiting) return Promise.resolve();
    // A connection is held up once at most, and briefly, by a Redis that is away: until the
    // subscription is back, the periodic check closes what its messages would have.
    return withTimeout(this.subscribed, SUBSCRIBE_WAIT_MS, 'Subscribing').catch(() => {
      this.noMoreWaiting = true;
    });
  }

  /** Records how long another process's message took, when it says when its sessions ended. */
  private measure(message: SessionEndMessage): void {
    if (!this.propagation || message.endedAt === undefined || message.from === this.sender) return;
    this.propagation.propagated((this.propagation.now() - message.endedAt) / 1000);
  }

  async close(): Promise<void> {
    const clients = this.opened.splice(0);
    this.connections = {};
    this.subscribed = null;
    this.noMoreWaiting = false;
    await Promise.all(clients.map((client) => closeClient(client)));
  }

  private client(role: 'publisher' | 'subscriber'): Promise<PubSubClient> {
    return (this.connections[role] ??= this.connect(role === 'publisher'));
  }

  private async connect(failFast: boolean): Promise<PubSubClient> {
    const client = await this.createClient(failFast);
    this.opened.push(client);
    client.on('error', (error) => this.warnOutage(error));
    client.on('ready', () => (this.outage = false));
    // Resolves once connected (node-redis keeps trying while Redis is away).
    await client.connect();
    return client;
  }

  private async createClient(failFast: boolean): Promise<PubSubClient> {
    const redis = await loadKeyvRedis('url' in this.target ? '`live.redisUrl`' : '`cache.sentinel`');
    // A publish made while Redis is away fails at once rather than waiting in memory.
    return createRedisClient(redis, this.target, { disableOfflineQueue: failFast }) as PubSubClient;
  }

  /** Said once per outage: a failing Redis repeats its errors on every attempt. */
  private warnOutage(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(
      `Live revocation over Redis pub/sub is interrupted (${(error as Error)?.message ?? String(error)}); ` +
        'other processes close connections of ended sessions at their next check (`live.checkInterval`) until it is back.',
    );
  }
}

async function closeClient(client: PubSubClient): Promise<void> {
  try {
    await withTimeout(Promise.resolve(client.close?.() ?? client.quit?.()), 1000, 'Closing the Redis connection');
  } catch {
    client.destroy();
  }
}
