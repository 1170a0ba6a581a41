import type { IncomingMessage } from 'node:http';
import { UseGuards } from '@nestjs/common';
import {
  MessageBody,
  ConnectedSocket,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  ClientInfo,
  CurrentSession,
  CurrentSessionId,
  LiveSessions,
  SocketSessionGuard,
  SocketSessionOptions,
  type RequestSession,
} from '../../lib/index.js';

/** What `hello` (sent on connection) and `whoami` answer. */
export interface SocketWhoAmI {
  id: string | null;
  userId: number | null;
  data: Record<string, unknown> | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** The handlers both gateways share: read, guarded write, explicit save. */
abstract class SessionGatewayBase implements OnGatewayConnection {
  constructor(protected readonly live: LiveSessions) {}

  abstract handleConnection(client: object, request?: IncomingMessage): Promise<void>;

  @SubscribeMessage('whoami')
  whoami(
    @CurrentSession() session: RequestSession | undefined,
    @CurrentSessionId() id: string | undefined,
    @ClientInfo() client: ClientInfo | undefined,
  ): SocketWhoAmI {
    return {
      id: id ?? null,
      userId: (session?.userId as number | undefined) ?? null,
      data: session ? { ...session } : null,
      ip: client?.ip ?? null,
      userAgent: client?.userAgent ?? null,
    };
  }

  @UseGuards(SocketSessionGuard)
  @SubscribeMessage('set')
  async set(
    @CurrentSession() session: RequestSession,
    @MessageBody() body: { key: string; value: unknown },
  ): Promise<{ saved: true; data: Record<string, unknown> }> {
    session[body.key] = body.value;
    await session.save();
    return { saved: true, data: { ...session } };
  }

  @UseGuards(SocketSessionGuard)
  @SubscribeMessage('guarded')
  guarded(@CurrentSessionId() id: string): { id: string } {
    return { id };
  }
}

/** socket.io: accepts every connection, tells the client what it found. */
@WebSocketGateway()
export class IoSessionGateway extends SessionGatewayBase {
  constructor(live: LiveSessions) {
    super(live);
  }

  async handleConnection(@ConnectedSocket() client: { emit(event: string, data: unknown): void }): Promise<void> {
    const found = await this.live.accept(client);
    client.emit('hello', { id: found?.id ?? null, userId: found?.userId ?? null });
  }
}

/** ws: the handshake request is handleConnection's second argument. */
@WebSocketGateway()
export class WsSessionGateway extends SessionGatewayBase {
  constructor(live: LiveSessions) {
    super(live);
  }

  async handleConnection(client: { send(text: string): void }, request?: IncomingMessage): Promise<void> {
    const found = await this.live.accept(client, request);
    client.send(JSON.stringify({ event: 'hello', data: { id: found?.id ?? null, userId: found?.userId ?? null } }));
  }
}

/** A gateway whose connections stay open when their session ends (opt-out), on its own path. */
@WebSocketGateway({ path: '/keep-open' })
@SocketSessionOptions({ closeOnEnd: false })
export class WsKeepOpenGateway implements OnGatewayConnection {
  constructor(private readonly live: LiveSessions) {}

  async handleConnection(client: { send(text: string): void }, request?: IncomingMessage): Promise<void> {
    const found = await this.live.accept(client, request, { closeOnEnd: false });
    client.send(JSON.stringify({ event: 'hello', data: { id: found?.id ?? null } }));
  }
}

/** socket.io with the guard alone: no handleConnection, the first guarded message accepts the connection. */
@WebSocketGateway({ namespace: 'guarded' })
@UseGuards(SocketSessionGuard)
export class IoGuardOnlyGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentSessionId() id: string | undefined, @CurrentSession() session: RequestSession | undefined) {
    return { id: id ?? null, userId: (session?.userId as number | undefined) ?? null };
  }
}
