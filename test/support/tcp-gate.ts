import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder in front of a server that the test can cut like a network partition: while
 * cut, connections are accepted and then nothing is forwarded either way, so the server keeps
 * its data but never hears from the app. Restoring drops the black-holed connections, and the
 * client's reconnections reach the server again.
 */
export class TcpGate {
  private open = true;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpGate> {
    const holder: { gate?: TcpGate } = {};
    const server = createServer((client) => holder.gate!.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.gate = new TcpGate(server, (server.address() as { port: number }).port);
    return holder.gate;
  }

  private accept(client: Socket, targetPort: number): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!this.open) return; // black hole: bytes are read and dropped by nobody
    const upstream = connect(targetPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Partitions: every current connection is dropped, new ones lead nowhere. */
  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  /** Heals the partition. */
  restore(): void {
    this.open = true;
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
