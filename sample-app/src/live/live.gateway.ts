import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer, type OnGatewayConnection } from '@nestjs/websockets';
import { LiveSessions, SESSION_ENDED_CLOSE_CODE } from 'nest-qsessions';
import type { WebSocket, WebSocketServer as WsServer } from 'ws';
import { LIVE_PATH } from './live-client.js';

/** The close code when the session could not be read (its store is down): the page tries again later. */
const UNAVAILABLE_CLOSE_CODE = 1011;

/** What the gateway sends once it follows the connection's session (its only message). */
export const WATCHING_MESSAGE = JSON.stringify({ event: 'watching' });

/**
 * `/live`, the WebSocket of the signed-in pages (live-client.ts): it tells a page at once when its
 * session ends. `LiveSessions.accept()` opens the session from the handshake's cookie and closes
 * the connection when that session ends (code 4001, the reason as close reason: `revoke`,
 * `admin`, `password-changed`...). A handshake without a signed-in session is closed at once with
 * code 4001 and reason `unauthenticated`; so is one from a page of another origin, to which the
 * library gives no session (the app's module lists SAMPLE_PUBLIC_URL in `live.allowedOrigins`).
 * The close is the news: the only message is {@link WATCHING_MESSAGE}, once the session is
 * followed (from then on, no end of it can be missed).
 */
@WebSocketGateway({ path: LIVE_PATH })
export class LiveGateway implements OnGatewayConnection {
  private readonly logger = new Logger('SampleApp');

  /** The `ws` server of `/live` (a test ends its connections as a network failure would). */
  @WebSocketServer()
  readonly server!: WsServer;

  constructor(private readonly live: LiveSessions) {}

  async handleConnection(client: WebSocket, request: IncomingMessage): Promise<void> {
    try {
      const found = await this.live.accept(client, request);
      if (found?.userId == null) client.close(SESSION_ENDED_CLOSE_CODE, 'unauthenticated');
      else client.send(WATCHING_MESSAGE);
    } catch (error) {
      // Nest does not catch what handleConnection throws: a rejection here would be unhandled.
      this.logger.warn(`/live: could not read the session: ${error instanceof Error ? error.message : String(error)}`);
      client.close(UNAVAILABLE_CLOSE_CODE, 'unavailable');
    }
  }
}
