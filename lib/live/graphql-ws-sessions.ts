import type { IncomingMessage } from 'node:http';
import type { LiveSessions } from './live-sessions.service.js';

/**
 * The graphql-ws server hook that `graphqlWsSessions()` builds, to spread into graphql-ws's server
 * options (Nest's Apollo driver: `subscriptions: { 'graphql-ws': { ... } }`).
 */
export interface GraphQLWsSessionHooks {
  /**
   * Opens the connection's session from its handshake's cookie and lets the connection in only
   * with a signed-in one: false makes graphql-ws close it with 4403 (Forbidden).
   */
  onConnect: (ctx: { readonly extra: unknown }) => Promise<boolean>;
}

/**
 * Sessions for GraphQL subscriptions served by graphql-ws on a `ws` server (Nest's Apollo driver,
 * or `useServer()` of `graphql-ws/use/ws`). Each connection's session is opened from the cookie
 * of its handshake, as `LiveSessions.accept()` does for a gateway: a connection without a
 * signed-in session is refused (close code 4403), and an accepted one is closed with code 4001
 * and the reason when its session ends. Resolvers of its operations read the session through
 * `@CurrentSession()`, `@CurrentSessionId()` and `@ClientInfo()`, and `SessionService` takes
 * their context's `req`, with Nest's default context.
 *
 * The library imports nothing of graphql-ws: the hook reads the `socket` and `request` that the
 * server puts in its connection context's `extra`.
 *
 * @example
 * ```ts
 * GraphQLModule.forRootAsync<ApolloDriverConfig>({
 *   driver: ApolloDriver,
 *   inject: [LiveSessions],
 *   useFactory: (live: LiveSessions) => ({
 *     autoSchemaFile: true,
 *     subscriptions: { 'graphql-ws': graphqlWsSessions(live) },
 *   }),
 * });
 * ```
 */
export function graphqlWsSessions(live: LiveSessions): GraphQLWsSessionHooks {
  return {
    onConnect: async (ctx) => {
      const { socket, request } = connectionOf(ctx.extra);
      const found = await live.accept(socket, request);
      return found !== null && found.userId !== null;
    },
  };
}

/** The socket and the handshake request of a graphql-ws connection context's `extra`. */
function connectionOf(extra: unknown): { socket: object; request: IncomingMessage } {
  const { socket, request } = (extra ?? {}) as { socket?: unknown; request?: unknown };
  if (!socket || typeof socket !== 'object' || !request || typeof request !== 'object') {
    throw new TypeError(
      'nest-qsessions: graphqlWsSessions() needs graphql-ws on a `ws` server, whose connection context ' +
        'holds the socket and the handshake request in `extra` (as Nest’s Apollo driver and graphql-ws/use/ws do).',
    );
  }
  return { socket, request: request as IncomingMessage };
}
