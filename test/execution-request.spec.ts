import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { requestOf } from '../lib/http/execution-request.js';

// Where the decorators and FreshSessionGuard find the request, for each kind of Nest call. The
// GraphQL contexts are those the drivers really build (read from @nestjs/apollo, @nestjs/mercurius
// and mercurius): test/graphql.e2e.spec.ts runs the two default ones on real servers.

function call(type: string, args: unknown[]): ExecutionContextHost {
  const context = new ExecutionContextHost(args);
  context.setType(type);
  return context;
}

/** A resolver's arguments: (root, args, context, info). */
const resolverCall = (graphqlContext: unknown) => call('graphql', [undefined, {}, graphqlContext, {}]);

describe('requestOf', () => {
  const req = { headers: {} };

  it("a controller's route: the HTTP request", () => {
    expect(requestOf(call('http', [req, {}, () => undefined]))).toBe(req);
  });

  it("a resolver with Nest's default context (Apollo and Mercurius): its req", () => {
    expect(requestOf(resolverCall({ req }))).toBe(req);
    // Mercurius adds `reply` and `app` beside Nest's `req`; req still wins.
    expect(requestOf(resolverCall({ req, reply: { request: { other: true } }, app: {} }))).toBe(req);
  });

  it('a context that names it request, or only has Mercurius’s reply', () => {
    expect(requestOf(resolverCall({ request: req }))).toBe(req);
    expect(requestOf(resolverCall({ reply: { request: req }, app: {} }))).toBe(req);
  });

  it('nothing for a context without a request, and for calls that are not HTTP nor GraphQL', () => {
    expect(requestOf(resolverCall({ user: 'x', req: 'not an object' }))).toBeUndefined();
    expect(requestOf(resolverCall(undefined))).toBeUndefined();
    expect(requestOf(call('rpc', [{ data: 1 }, {}]))).toBeUndefined();
    expect(requestOf(call('ws', [{}, {}]))).toBeUndefined();
  });
});
