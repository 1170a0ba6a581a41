import type { IncomingMessage } from 'node:http';
import { parseCookie, stringifySetCookie, type SetCookie } from 'cookie';
import type { ResolvedCookieOptions, ResolvedLegacyCookieOptions } from '../options/resolved-options.js';

/** The value of the session cookie in a request: undefined when absent. */
export function readSessionCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  // Cheap test first: most requests without our cookie never parse the header.
  if (!header || !header.includes(name)) return undefined;
  try {
    // A value that is not valid percent-encoding comes back as is and is rejected later.
    return parseCookie(header)[name];
  } catch {
    return undefined;
  }
}

/**
 * Whether the request arrived over TLS: directly, or through a proxy that `trust` accepts (the
 * socket's peer) and that says so in `X-Forwarded-Proto`, as Express's `req.protocol` decides.
 */
export function isSecureRequest(req: IncomingMessage, trust: (address: string, hop: number) => boolean): boolean {
  if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
  const peer = req.socket?.remoteAddress;
  if (!peer || !trust(peer, 0)) return false;
  const proto = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

function baseAttributes(options: ResolvedCookieOptions, secure: boolean): Omit<SetCookie, 'name' | 'value'> {
  return {
    domain: options.domain,
    path: options.path,
    httpOnly: options.httpOnly,
    secure,
    sameSite: options.sameSite === false ? undefined : options.sameSite,
    partitioned: options.partitioned || undefined,
    priority: options.priority,
  };
}

/** The Set-Cookie value that stores a session key, lasting `maxAgeMs` (or the browser session). */
export function sessionSetCookie(
  options: ResolvedCookieOptions,
  key: string,
  secure: boolean,
  maxAgeMs: number | null,
  now: number,
): string {
  // Rounded, not floored: the few milliseconds between the save and this line must not turn a
  // two-week cookie into "two weeks minus one second".
  const lifetime = maxAgeMs === null ? {} : { maxAge: Math.round(maxAgeMs / 1000), expires: new Date(now + maxAgeMs) };
  return stringifySetCookie({ name: options.name, value: key, ...baseAttributes(options, secure), ...lifetime });
}

/** The Set-Cookie value that makes the browser forget the session cookie. */
export function clearSessionCookie(options: ResolvedCookieOptions, secure: boolean): string {
  return stringifySetCookie({
    name: options.name,
    value: '',
    ...baseAttributes(options, secure),
    maxAge: 0,
    expires: new Date(0),
  });
}

/**
 * The Set-Cookie value that makes the browser forget express-session's cookie (`legacyCookie`):
 * same name, path and domain as the old cookie, or the browser keeps it.
 */
export function clearLegacyCookie(options: ResolvedLegacyCookieOptions, secure: boolean): string {
  return stringifySetCookie({
    name: options.name,
    value: '',
    domain: options.domain,
    path: options.path,
    httpOnly: true,
    secure,
    maxAge: 0,
    expires: new Date(0),
  });
}
