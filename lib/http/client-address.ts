import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { ClientDetails } from '../session/client-details.js';

/** Longest User-Agent kept, as in django-qsessions (the column is varchar(300)). */
export const USER_AGENT_MAX_LENGTH = 300;

/**
 * A printable IP address, or null. `::ffff:a.b.c.d` (how Node reports IPv4 clients on a
 * dual-stack socket) becomes `a.b.c.d`, so the same client is not recorded two ways.
 */
export function normalizeIp(value: string | undefined | null): string | null {
  if (!value) return null;
  let ip = value.trim();
  // IPv6 zone ids (fe80::1%eth0) name a local interface, not a client.
  const zone = ip.indexOf('%');
  if (zone !== -1) ip = ip.slice(0, zone);
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) ip = ip.slice(7);
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version === 6) return ip.toLowerCase();
  return null;
}

/** The User-Agent cut to {@link USER_AGENT_MAX_LENGTH} UTF-16 units without splitting a surrogate pair. */
export function truncateUserAgent(value: string | string[] | undefined): string | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return null;
  if (header.length <= USER_AGENT_MAX_LENGTH) return header;
  let cut = header.slice(0, USER_AGENT_MAX_LENGTH);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/**
 * The client of a request, without its Client Hints. The address is the socket's unless `trust` accepts the proxies in
 * front of it, in which case it is the nearest untrusted hop of `X-Forwarded-For` (the same
 * rules as Express's `trust proxy`, through the `proxy-addr` package Express uses).
 */
export function readClientInfo(req: IncomingMessage, trust: (address: string, hop: number) => boolean): ClientDetails {
  let address: string | undefined;
  if (req.socket?.remoteAddress === undefined) {
    address = undefined;
  } else if (!req.headers['x-forwarded-for']) {
    address = req.socket.remoteAddress;
  } else {
    address = proxyAddr(req, trust);
  }
  // The hints are read by SessionRequestReader, with the `clientHints` option only.
  return { ip: normalizeIp(address), userAgent: truncateUserAgent(req.headers['user-agent']), clientHints: null };
}
