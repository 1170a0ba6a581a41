import { EventEmitter } from 'node:events';
import type { ResolvedSentinelOptions } from '../options/resolve-sentinel.js';
import { primaryCredentials, type KeyvRedisModule } from './redis-connection.js';
import type { TrackableRedisClient } from './redis-key-tracking.js';

/** The part of node-redis's Sentinel client followed here. */
export interface SentinelEvents {
  readonly isReady: boolean;
  on(event: 'topology-change', listener: (event: { type: string; node?: RedisNode }) => void): unknown;
  getMasterNode(): RedisNode | undefined | Promise<RedisNode | undefined>;
}

interface RedisNode {
  host: string;
  port: number;
}

interface NodeClient {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
}

/**
 * The near cache's tracking connection when Redis is behind Sentinel. node-redis's Sentinel client
 * keeps its connections to itself, so Redis's reports cannot be heard on the connection the reads
 * use; this one connection to the primary asks instead for a report of every change under the key
 * prefix, whoever read the key (`CLIENT TRACKING ON BCAST PREFIX`), and moves to the new primary
 * when the Sentinel client reports a failover. Reports then come on another connection than the
 * replies, which the near cache's tickets allow for (see NearCache); it reads as the single
 * connection RedisKeyTracking follows: `ready` once broadcasting, `reconnecting` when it moves.
 */
export class SentinelTrackingClient extends EventEmitter implements TrackableRedisClient {
  private client: NodeClient | null = null;
  private ready = false;
  private closed = false;

  constructor(
    private readonly redis: KeyvRedisModule,
    private readonly sentinel: ResolvedSentinelOptions,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  /** Starts following the primary `sentinelClient` uses. */
  follow(sentinelClient: SentinelEvents): void {
    sentinelClient.on('topology-change', (event) => {
      if (event.type === 'MASTER_CHANGE' && event.node) this.connectTo(event.node);
    });
    if (sentinelClient.isReady) {
      void Promise.resolve(sentinelClient.getMasterNode()).then((node) => {
        if (node && !this.client) this.connectTo(node);
      });
    }
  }

  get isReady(): boolean {
    return this.ready;
  }

  sendCommand(args: string[]): Promise<unknown> {
    if (!this.client) return Promise.reject(new Error('Not connected to the Redis primary'));
    return this.client.sendCommand(args);
  }

  /** Closes the connection for good. */
  destroy(): void {
    this.closed = true;
    this.drop();
  }

  private connectTo(node: RedisNode): void {
    if (this.closed) return;
    this.drop();
    const client = this.redis.createClient({
      ...primaryCredentials(this.sentinel),
      RESP: 3,
      emitInvalidate: true,
      socket: { host: node.host, port: node.port, reconnectStrategy: this.redis.defaultReconnectStrategy },
    }) as unknown as NodeClient;
    this.client = client;
    const current = () => client === this.client;
    client.on('ready', () => void this.broadcast(client));
    client.on('invalidate', (key) => current() && this.emit('invalidate', key));
    client.on('error', (error) => current() && this.lose('error', error));
    for (const event of ['end', 'reconnecting'] as const) client.on(event, () => current() && this.lose(event));
    // node-redis keeps trying by itself; failures arrive as 'error' events.
    client.connect().catch(() => undefined);
  }

  /** Turns the handshake's default tracking into broadcasting of the prefix, then reports ready. */
  private async broadcast(client: NodeClient): Promise<void> {
    try {
      await client.sendCommand(['CLIENT', 'TRACKING', 'OFF']);
      const prefix = this.keyPrefix ? ['PREFIX', this.keyPrefix] : [];
      await client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', ...prefix]);
    } catch (error) {
      if (client === this.client) this.lose('error', error);
      return;
    }
    if (client !== this.client) return;
    this.ready = true;
    this.emit('ready');
  }

  /** The old primary's connection goes: every copy read while it was tracked is dropped. */
  private drop(): void {
    const previous = this.client;
    this.client = null;
    if (!previous) return;
    previous.destroy();
    this.lose('reconnecting');
  }

  private lose(event: 'error' | 'end' | 'reconnecting', error?: unknown): void {
    this.ready = false;
    this.emit(event, error);
  }
}
