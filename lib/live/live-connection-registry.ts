import type { ErrorSink } from '../util/warn-once.js';

/** One open connection of a session (a WebSocket, a server-sent-events stream) that must end with it. */
export interface LiveConnection {
  /** The session's public id (SHA-256 of its key). */
  readonly digest: string;
  /** Closes the connection, saying why the session ended. Called at most once. */
  close(reason: string): void;
}

/**
 * This process's live connections, by session. Ending a session closes all of its connections,
 * each removed before it is closed, so that a close handler that unregisters finds nothing.
 */
export class LiveConnectionRegistry {
  private readonly bySession = new Map<string, Set<LiveConnection>>();

  constructor(
    private readonly logger: ErrorSink,
    /** Called when a session's last connection here is removed or closed. */
    private readonly onSessionLeft: (digest: string) => void = () => undefined,
  ) {}

  /** Adds a connection; the function returned removes it (idempotent), for when it closes by itself. */
  add(connection: LiveConnection): () => void {
    let connections = this.bySession.get(connection.digest);
    if (!connections) this.bySession.set(connection.digest, (connections = new Set()));
    connections.add(connection);
    return () => this.remove(connection);
  }

  /** Closes every connection of these sessions, giving `reason`; resolves to how many were closed. */
  end(digests: Iterable<string>, reason: string): number {
    let closed = 0;
    for (const digest of digests) {
      const connections = this.bySession.get(digest);
      if (!connections) continue;
      this.bySession.delete(digest);
      this.onSessionLeft(digest);
      for (const connection of connections) {
        closed++;
        try {
          connection.close(reason);
        } catch (error) {
          // One connection failing to close must not keep the others of the session open.
          this.logger.error(`Closing a live connection failed: ${(error as Error)?.message ?? String(error)}`);
        }
      }
    }
    return closed;
  }

  /** Whether the session has a connection in this process. */
  has(digest: string): boolean {
    return this.bySession.has(digest);
  }

  /** The sessions with at least one connection here. */
  sessions(): string[] {
    return [...this.bySession.keys()];
  }

  /** Number of connections. */
  get size(): number {
    let size = 0;
    for (const connections of this.bySession.values()) size += connections.size;
    return size;
  }

  private remove(connection: LiveConnection): void {
    const connections = this.bySession.get(connection.digest);
    if (!connections?.delete(connection)) return;
    if (connections.size > 0) return;
    this.bySession.delete(connection.digest);
    this.onSessionLeft(connection.digest);
  }
}
