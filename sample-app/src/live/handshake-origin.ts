import type { IncomingMessage } from 'node:http';

/**
 * Whether a WebSocket handshake may use this browser's session: a browser always sends the
 * `Origin` of the page that opens the socket, and only this app's own pages may (its host, or
 * `publicOrigin`, the address behind a proxy). Unlike fetch, a WebSocket is not held back by
 * CORS, and the SameSite=Lax cookie still goes with a handshake from a sibling subdomain (same
 * site): without this check such a page could follow the session of whoever visits it.
 * A handshake without `Origin` comes from no browser page (a script, a test) and is let through.
 */
export function isOwnOrigin(handshake: IncomingMessage, publicOrigin: () => string | null): boolean {
  const origin = handshake.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (host !== '' && host === handshake.headers.host) return true;
  return origin === publicOrigin();
}
