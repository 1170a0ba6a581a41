import type { IncomingMessage } from 'node:http';

/** The close code of a WebSocket whose session ended (RFC 6455's range for applications). */
export const SESSION_ENDED_CLOSE_CODE = 4001;

/** The socket.io event sent to a client just before the server disconnects it: `{ reason }`. */
export const SESSION_ENDED_EVENT = 'session-ended';

/** A socket.io server-side socket, as far as the library uses it. */
interface SocketIoSocket {
  readonly request: IncomingMessage;
  readonly connected: boolean;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(close?: boolean): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

/** A `ws` WebSocket (Nest's WsAdapter, graphql-ws), as far as the library uses it. */
interface WsSocket {
  readonly readyState: number;
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

const WS_OPEN = 1;
const WS_CLOSING = 2;
/** graphql-ws's close code for a refused connection (`CloseCode.Forbidden`). */
const FORBIDDEN_CLOSE_CODE = 4403;

function isSocketIo(client: object): client is SocketIoSocket {
  const candidate = client as Partial<SocketIoSocket>;
  return typeof candidate.disconnect === 'function' && typeof candidate.emit === 'function' && 'nsp' in client;
}

function isWs(client: object): client is WsSocket {
  const candidate = client as Partial<WsSocket>;
  return typeof candidate.close === 'function' && typeof candidate.readyState === 'number';
}

/** Whether the library knows how to close this client (a socket.io socket or a `ws` WebSocket). */
export function isKnownSocket(client: unknown): client is object {
  return !!client && typeof client === 'object' && (isSocketIo(client) || isWs(client));
}

/** The HTTP request that opened the connection, when the client keeps it (socket.io does, `ws` does not). */
export function handshakeOf(client: object): IncomingMessage | undefined {
  return isSocketIo(client) ? client.request : undefined;
}

/** Whether the connection is still open. */
export function isOpen(client: object): boolean {
  if (isSocketIo(client)) return client.connected;
  return isWs(client) && client.readyState < WS_CLOSING;
}

/**
 * Closes the connection, saying why: socket.io gets the `session-ended` event (`{ reason }`) and
 * then a server-side disconnect (its client does not reconnect by itself after one); a WebSocket
 * gets close code 4001 with the reason as the close frame's reason.
 */
export function closeSocket(client: object, reason: string): void {
  if (isSocketIo(client)) {
    if (!client.connected) return;
    client.emit(SESSION_ENDED_EVENT, { reason });
    client.disconnect(true);
  } else if (isWs(client) && client.readyState <= WS_OPEN) {
    client.close(SESSION_ENDED_CLOSE_CODE, reason);
  }
}

/**
 * Closes a `ws` WebSocket that is refused with graphql-ws's code for it, 4403 (`CloseCode.Forbidden`),
 * where graphql-ws does not close it by itself (Mercurius's subscription server).
 */
export function refuseWebSocket(client: object): void {
  if (isWs(client) && client.readyState <= WS_OPEN) client.close(FORBIDDEN_CLOSE_CODE, 'Forbidden');
}

/** Calls `listener` once the connection is closed, whoever closed it. */
export function onSocketClosed(client: object, listener: () => void): void {
  if (isSocketIo(client)) client.once('disconnect', listener);
  else if (isWs(client)) client.once('close', listener);
}
