import {
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { requestOf } from '../http/execution-request.js';
import { getRequestState } from '../http/request-state.js';
import { LiveSessions, type AcceptSocketOptions } from '../live/live-sessions.service.js';
import { closeSocket } from '../live/live-socket.js';

/** Metadata key of `@SocketSessionOptions()`. */
export const SOCKET_SESSION_OPTIONS = 'qsessions:socket-session-options';

/**
 * How `SocketSessionGuard` keeps a gateway's connections: `@SocketSessionOptions({ closeOnEnd:
 * false })` on a gateway opts its connections out of being closed when their session ends.
 */
export const SocketSessionOptions = (options: AcceptSocketOptions): ClassDecorator & MethodDecorator =>
  SetMetadata(SOCKET_SESSION_OPTIONS, options);

/**
 * Lets a call through only for a signed-in session (a stored session with a user).
 *
 * In a WebSocket gateway (`@UseGuards(SocketSessionGuard)` on the gateway or a handler), each
 * message first reads the connection's session again (`LiveSessions.refresh()`), so handlers see
 * current data and never act for an ended session; a socket.io connection not accepted yet is
 * accepted here. A connection without a signed-in session is refused: the message is answered
 * with Nest's "Forbidden resource" error and the connection is closed with reason
 * `unauthenticated`. On a controller's route or a GraphQL resolver, a request without one gets 401.
 */
@Injectable()
export class SocketSessionGuard implements CanActivate {
  constructor(
    private readonly live: LiveSessions,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'ws') {
      if (getRequestState(requestOf(context))?.record?.userId != null) return true;
      throw new UnauthorizedException('Sign in first.');
    }
    const client = context.switchToWs().getClient<object>();
    const options = this.reflector.getAllAndOverride<AcceptSocketOptions | undefined>(SOCKET_SESSION_OPTIONS, [
      context.getHandler(),
      context.getClass(),
    ]);
    const found = await this.live.refresh(client, options);
    if (found && found.userId !== null) return true;
    closeSocket(client, 'unauthenticated');
    return false;
  }
}
