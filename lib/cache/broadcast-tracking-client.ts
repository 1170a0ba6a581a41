import { EventEmitter } from 'node:events';
import type { KeyvRedisModule } from './redis-connection.js';
import type { TrackableRedisClient } from './redis-key-tracking.js';

/** A Redis server's address. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Credentials of the primaries. */
export interface NodeCredentials {
  username?: string;
  password?: string;
  database?: number;
}

interface NodeClient {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
}

interface Connection {
  client: NodeClient;
  ready: boolean;
}

/**
 * The near cache's tracking connections when node-redis keeps the connections that read to itself
 * (its Sentinel and Cluster clients): one connection to each primary, asking Redis to report every
 * change under the key prefix, whoever read the key (`CLIENT TRACKING ON BCAST PREFIX`). Reports
 * then come on other connections than the replies, which the near cache's tickets allow for (see
 * NearCache). To RedisKeyTracking it reads as one connection: ready once every primary's is
 * broadcasting, lost when any is lost or the set of primaries changes, and a PING proves them all.
 */
export class BroadcastTrackingClient extends EventEmitter implements TrackableRedisClient {
  private readonly connections = new Map<string, Connection>();
  private closed = false;

  constructor(
    private readonly redis: KeyvRedisModule,
    private readonly credentials: NodeCredentials,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  get isReady(): boolean {
    return this.connections.size > 0 && [...this.connections.values()].every((connection) => connection.ready);
  }

  /** Tracks on exactly these primaries: connections to others are closed (every copy dropped), new ones opened. */
  follow(nodes: readonly RedisNode[]): void {
    if (this.closed) return;
    const wanted = new Set(nodes.map(addressOf));
    const gone = [...this.connections.keys()].filter((address) => !wanted.has(address));
    for (const address of gone) {
      this.connections.get(address)!.client.destroy();
      this.connections.delete(address);
    }
    const added = nodes.filter((node) => !this.connections.has(addressOf(node)));
    if (gone.length > 0 || added.length > 0) this.lose('reconnecting');
    for (const node of added) this.open(node);
  }

  /** The addresses tracked now. */
  get nodes(): string[] {
    return [...this.connections.keys()];
  }

  /** Sends `args` on every primary's connection (the heartbeat's PING proves them all). */
  sendCommand(args: string[]): Promise<unknown> {
    if (this.connections.size === 0) return Promise.reject(new Error('No Redis primary is tracked'));
    return Promise.all([...this.connections.values()].map(({ client }) => client.sendCommand(args)));
  }

  /** Closes every connection for good. */
  destroy(): void {
    this.closed = true;
    this.follow([]);
  }

  private open(node: RedisNode): void {
    const client = this.redis.createClient({
      ...this.credentials,
      RESP: 3,
      emitInvalidate: true,
      socket: { host: node.host, port: node.port, reconnectStrategy: this.redis.defaultReconnectStrategy },
    }) as unknown as NodeClient;
    const connection: Connection = { client, ready: false };
    const address = addressOf(node);
    this.connections.set(address, connection);
    const current = () => this.connections.get(address) === connection;
    client.on('ready', () => void this.broadcast(connection, current));
    client.on('invalidate', (key) => current() && this.emit('invalidate', key));
    client.on('error', (error) => current() && this.lose('error', connection, error));
    for (const event of ['end', 'reconnecting'] as const)
      client.on(event, () => current() && this.lose(event, connection));
    // node-redis keeps trying by itself; failures arrive as 'error' events.
    client.connect().catch(() => undefined);
  }

  /** Turns the handshake's default tracking into broadcasting of the prefix; ready once all are. */
  private async broadcast(connection: Connection, current: () => boolean): Promise<void> {
    try {
      await connection.client.sendCommand(['CLIENT', 'TRACKING', 'OFF']);
      const prefix = this.keyPrefix ? ['PREFIX', this.keyPrefix] : [];
      await connection.client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', ...prefix]);
    } catch (error) {
      if (current()) this.lose('error', connection, error);
      return;
    }
    if (!current()) return;
    connection.ready = true;
    if (this.isReady) this.emit('ready');
  }

  private lose(event: 'error' | 'end' | 'reconnecting', connection?: Connection, error?: unknown): void {
    if (connection) connection.ready = false;
    this.emit(event, error);
  }
}

function addressOf(node: RedisNode): string {
  return `${node.host}:${node.port}`;
}

/** The part of node-redis's Sentinel client followed here. */
export interface SentinelEvents {
  readonly isReady: boolean;
  on(event: 'topology-change', listener: (event: { type: string; node?: RedisNode }) => void): unknown;
  getMasterNode(): RedisNode | undefined | Promise<RedisNode | undefined>;
}

/** Tracks on the primary node-redis's Sentinel client uses, moving with it on a failover. */
export function followSentinel(tracking: BroadcastTrackingClient, sentinel: SentinelEvents): void {
  sentinel.on('topology-change', (event) => {
    if (event.type === 'MASTER_CHANGE' && event.node) tracking.follow([event.node]);
  });
  if (sentinel.isReady) {
    void Promise.resolve(sentinel.getMasterNode()).then((node) => {
      if (node && tracking.nodes.length === 0) tracking.follow([node]);
    });
  }
}

/** The part of node-redis's Cluster client followed here. */
export interface ClusterEvents {
  readonly masters: ReadonlyArray<RedisNode>;
  on(event: string, listener: () => void): unknown;
}

/** How often the cluster's primaries are compared with the tracked ones while tracking is not ready. */
const CLUSTER_RECHECK_MS = 1000;

/**
 * Tracks on every primary of node-redis's Cluster client: once it has learnt the slots, whenever a
 * node connects or fails, and every second while a tracked connection is down (a failed-over
 * primary's replica takes its slots: the client learns it on its next command there).
 */
export function followCluster(tracking: BroadcastTrackingClient, cluster: ClusterEvents): () => void {
  const reconcile = () => {
    const masters = cluster.masters.map(({ host, port }) => ({ host, port }));
    if (masters.length > 0) tracking.follow(masters);
  };
  for (const event of ['connect', 'node-ready', 'node-disconnect']) cluster.on(event, reconcile);
  const timer = setInterval(() => {
    if (!tracking.isReady) reconcile();
  }, CLUSTER_RECHECK_MS);
  timer.unref();
  reconcile();
  return () => clearInterval(timer);
}
