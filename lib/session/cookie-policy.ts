// How the session cookie is read from a Cookie header and written in a Set-Cookie header.
import { stringifySetCookie, type SetCookie } from 'cookie';
import type { ResolvedCookieOptions, ResolvedLegacyCookieOptions } from '../options/resolved-options.js';

/**
 * Every value a Cookie header carries under `name`, in order: empty when absent.
 * Browsers send several cookies of one name when they differ by path or domain (a sibling
 * subdomain can set one for the parent domain); each may be tried, so that a stray one cannot
 * hide the session's. Values are percent-decoded when they can be, as the `cookie` package does.
 */
export function readCookieValues(header: string | undefined, name: string): string[] {
  // Cheap test first: most requests without our cookie never look further.
  if (!header || !header.includes(name)) return [];
  const values: string[] = [];
  // One pass with indexOf, no array of every pair: this runs on each request that has our cookie.
  for (let start = 0; start < header.length;) {
    const semicolon = header.indexOf(';', start);
    const end = semicolon === -1 ? header.length : semicolon;
    const equals = header.indexOf('=', start);
    if (equals !== -1 && equals < end && header.slice(start, equals).trim() === name) {
      let value = header.slice(equals + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      values.push(decodeCookieValue(value));
    }
    start = end + 1;
  }
  return values;
}

/** The value of a cookie in a Cookie header (the first of that name): undefined when absent. */
export function readCookieValue(header: string | undefined, name: string): string | undefined {
  return readCookieValues(header, name)[0];
}

function decodeCookieValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding: kept as is, and refused later as no key of ours.
    return value;
  }
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
