import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** How the connection's socket closed: its close frame's code and reason. */
export interface WsClose {
  code: number;
  reason: string;
}

/** One subscription of a test client: its events' data, in order, and how it ended. */
export interface TestSubscription<T> {
  /** The data of the next event (rejects after 5 s without one). */
  next(): Promise<T>;
  /** Completed by the server, or failed: the error, or the close event of the socket. */
  ended: Promise<{ completed: boolean; error?: unknown }>;
}

/**
 * A graphql-ws client (graphql-transport-ws protocol) connecting to the app's /graphql as a
 * browser would: with its cookie and User-Agent on the handshake. It never retries: a refused
 * or closed connection ends its subscriptions, and `closed` says how.
 */
export class GraphQLWsTestClient {
  readonly closed: Promise<WsClose>;
  private readonly client: Client;
  private socket: WebSocket | undefined;

  constructor(appUrl: string, { cookie, userAgent = 'GqlWsTest/1.0' }: { cookie?: string; userAgent?: string } = {}) {
    const headers: Record<string, string> = { 'User-Agent': userAgent, ...(cookie ? { Cookie: cookie } : {}) };
    const remember = (socket: WebSocket) => (this.socket = socket);
    // graphql-ws constructs the socket as `new webSocketImpl(url, protocol)`: the headers come here.
    class BrowserLikeWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
        remember(this);
      }
    }
    let closed!: (close: WsClose) => void;
    this.closed = new Promise((resolve) => (closed = resolve));
    this.client = createClient({
      url: `${appUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: BrowserLikeWebSocket,
      retryAttempts: 0,
      lazy: true,
      on: {
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string | Buffer };
          closed({ code, reason: String(reason) });
        },
      },
    });
  }

  /** Subscribes; the events are queued until read. */
  subscribe<T>(query: string, field: string): TestSubscription<T> {
    const queued: T[] = [];
    const waiting: Array<(value: T) => void> = [];
    let ended!: (end: { completed: boolean; error?: unknown }) => void;
    const endedPromise = new Promise<{ completed: boolean; error?: unknown }>((resolve) => (ended = resolve));
    this.client.subscribe<Record<string, T>>(
      { query },
      {
        next: (result) => {
          if (result.errors) return ended({ completed: false, error: result.errors });
          const value = result.data![field]!;
          const reader = waiting.shift();
          if (reader) reader(value);
          else queued.push(value);
        },
        error: (error) => ended({ completed: false, error }),
        complete: () => ended({ completed: true }),
      },
    );
    return {
      next: () =>
        queued.length > 0
          ? Promise.resolve(queued.shift()!)
          : new Promise<T>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`no event of ${field} within 5 s`)), 5000);
              waiting.push((value) => {
                clearTimeout(timer);
                resolve(value);
              });
            }),
      ended: endedPromise,
    };
  }

  /** Whether the socket is open now. */
  isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  async dispose(): Promise<void> {
    await this.client.dispose();
  }
}
