import type { IncomingMessage } from 'node:http';

/**
 * Whether a WebSocket handshake may use the session its cookie names. A browser sends the
 * `Origin` of the page that opens a WebSocket, and no CORS stands in its way: without this check a
 * page of another site the cookie still goes to (a sibling subdomain is the same site for
 * `SameSite=Lax`) could open a socket under the visitor's session. Allowed: the app's own origin
 * (the `Origin` naming the handshake's `Host`, as Rails's Action Cable checks it), the origins of
 * `live.allowedOrigins`, and a handshake without `Origin`, which no browser page sends.
 */
export function isAllowedOrigin(handshake: IncomingMessage, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = handshake.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.has(origin)) return true;
  const host = handshake.headers.host;
  if (!host) return false;
  try {
    const page = new URL(origin);
    // The Host header read with the page's scheme, so that default ports compare equal.
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    // `Origin: null` (a sandboxed frame, a file), or anything else that is no origin.
    return false;
  }
}
