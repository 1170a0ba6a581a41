import type { IncomingMessage } from 'node:http';

/**
 * Whether a request says, in `X-Forwarded-Proto`, that it reached a proxy over HTTPS, whoever
 * sent it: when the peer is not a trusted proxy the header is ignored, and this tells that a
 * `trustProxy` setting is probably missing.
 */
export function claimsForwardedHttps(req: IncomingMessage): boolean {
  return forwardedProto(req) === 'https';
}

function forwardedProto(req: IncomingMessage): string | undefined {
  const proto = req.headers['x-forwarded-proto'];
  return (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
}

/**
 * Whether the request arrived over TLS: directly, or through a proxy that `trust` accepts (the
 * socket's peer) and that says so in `X-Forwarded-Proto`, as Express's `req.protocol` decides.
 */
export function isSecureRequest(req: IncomingMessage, trust: (address: string, hop: number) => boolean): boolean {
  if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
  const peer = req.socket?.remoteAddress;
  if (!peer || !trust(peer, 0)) return false;
  return forwardedProto(req) === 'https';
}
