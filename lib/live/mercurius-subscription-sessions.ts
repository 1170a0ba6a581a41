import type { IncomingMessage } from 'node:http';
import type { LiveSessions } from './live-sessions.service.js';
import { refuseWebSocket } from './live-socket.js';

/**
 * The Mercurius subscription hook that `mercuriusSubscriptionSessions()` builds, to spread into
 * Mercurius's `subscription` options.
 */
export interface MercuriusSubscriptionSessionHooks {
  /**
   * Opens the connection's session from its handshake's cookie when the client initialises the
   * connection, and refuses a connection without a signed-in one: closed with 4403 (Forbidden).
   * The operations' context gets `req`, the handshake's Fastify request, as over HTTP.
   */
  context: (socket: object, request: { readonly raw: IncomingMessage }) => Promise<{ req: object }>;
}

/**
 * Sessions for GraphQL subscriptions served by Mercurius (Nest's Mercurius driver on Fastify,
 * `subscription: { ... }`), which runs its own WebSocket server: the same as `graphqlWsSessions()`
 * for graphql-ws. Each connection's session is opened from the cookie of its handshake, as
 * `LiveSessions.accept()` does for a gateway; a connection without a signed-in session is closed
 * with code 4403 before it is acknowledged; an accepted one is closed with code 4001 and the
 * reason when its session ends. Its resolvers read the session through `@CurrentSession()`,
 * `@CurrentSessionId()` and `@ClientInfo()`, and `SessionService` takes their context's `req`.
 *
 * Mercurius's `onConnect` is not given the socket nor the request, so the session is opened in its
 * `context` function, and a refusal is an error thrown there, after the socket was closed with
 * 4403: Mercurius logs it at level `error` through Fastify's logger, when the app gave it one.
 *
 * @example
 * ```ts
 * GraphQLModule.forRootAsync<MercuriusDriverConfig>({
 *   driver: MercuriusDriver,
 *   inject: [LiveSessions],
 *   useFactory: (live: LiveSessions) => ({
 *     autoSchemaFile: true,
 *     subscription: mercuriusSubscriptionSessions(live),
 *   }),
 * });
 * ```
 */
export function mercuriusSubscriptionSessions(live: LiveSessions): MercuriusSubscriptionSessionHooks {
  return {
    context: async (socket, request) => {
      const found = await live.accept(socket, request.raw);
      if (found === null || found.userId === null) {
        refuseWebSocket(socket);
        // Thrown so that Mercurius never acknowledges the connection nor runs its operations.
        throw new Error('nest-qsessions: subscription connection refused: no signed-in session.');
      }
      return { req: request };
    },
  };
}
