import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ClientDetails } from '../session/client-details.js';
import { requestOf } from '../http/execution-request.js';
import { getRequestState } from '../http/request-state.js';

/**
 * The client of the current request as sessions record it: `{ ip, userAgent, clientHints }`, with
 * the IP taken from the socket (or from trusted proxies only) as `privacy.ip` keeps it, the
 * User-Agent cut to 300 characters, and the User-Agent Client Hints the request sent (with the
 * `clientHints` option; otherwise null). `parseDevice(client.userAgent, client.clientHints)`
 * describes the request's device.
 *
 * @example
 * ```ts
 * @Get('whoami')
 * whoami(@ClientInfo() client: ClientInfo) {
 *   return client; // { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 ...', clientHints: { platform: 'macOS', ... } }
 * }
 * ```
 */
export const ClientInfo = createParamDecorator((_data: unknown, context: ExecutionContext): ClientDetails => {
  const state = getRequestState(requestOf(context));
  if (!state) {
    throw new Error(
      'nest-qsessions: @ClientInfo() found no session middleware on this request. Import QSessionsModule.forRoot() ' +
        'in your app module, or mount QSessionsMiddleware on this route if you set mountMiddleware: false.',
    );
  }
  return state.client;
});

/** `{ ip, userAgent, clientHints }` of a request, as returned by `@ClientInfo()` (the same type as {@link ClientDetails}). */
export type ClientInfo = ClientDetails;
