import type { ExecutionContext } from '@nestjs/common';
import { socketRequestOf } from './request-state.js';

/**
 * The HTTP request behind a Nest handler call, for the decorators and the guard: the request of a
 * controller's route, or the request a GraphQL resolver's context carries. Undefined where there
 * is none (microservices).
 *
 * In a WebSocket gateway (`'ws'`), the request that opened the connection, once
 * `LiveSessions.accept()` (or `SocketSessionGuard`) opened its session.
 *
 * GraphQL is recognised by the context type's name (`'graphql'`), never by importing
 * `@nestjs/graphql`: the package is the app's choice, and an app without it loads nothing of it.
 * A resolver's arguments are `(root, args, context, info)`: the context is the third. Where the
 * request sits in it:
 * - `req`: Nest's Apollo and Mercurius drivers both put it there (the Express request, or
 *   Fastify's request, whose `raw` is the Node request), also when the app gives its own
 *   `context` function or object (the drivers add `req` when it lacks one);
 * - `request`: apps whose context function names it so;
 * - `reply.request`: Mercurius adds Fastify's `reply` to every context, which keeps its request.
 */
export function requestOf(context: ExecutionContext): object | undefined {
  const type = context.getType<string>();
  if (type === 'http') return context.switchToHttp().getRequest<object>();
  if (type === 'ws') return socketRequestOf(context.switchToWs().getClient<unknown>());
  if (type !== 'graphql') return undefined;
  const graphqlContext: unknown = context.getArgByIndex(2);
  if (!graphqlContext || typeof graphqlContext !== 'object') return undefined;
  const { req, request, reply } = graphqlContext as { req?: unknown; request?: unknown; reply?: { request?: unknown } };
  return asObject(req) ?? asObject(request) ?? asObject(reply?.request);
}

function asObject(value: unknown): object | undefined {
  return value && typeof value === 'object' ? value : undefined;
}
