import { RESERVED_DATA_KEYS, type RequestSession } from './request-session.js';

// The per-session lifetime set through req.session.cookie.maxAge travels with the data under
// this key (as Django keeps `_session_expiry` in its data) and is hidden from req.session.
const MAX_AGE_KEY = '_qsessions_max_age';

/** Session data decoded from its stored JSON text. */
export interface DecodedSessionData {
  data: Record<string, unknown>;
  maxAge: number | null;
}

/**
 * Decodes stored JSON. Anything that is not a JSON object (a tampered or foreign row) gives an
 * empty session instead of an error, and keys that would shadow the session's methods are dropped.
 */
export function decodeSessionData(text: string): DecodedSessionData {
  const data: Record<string, unknown> = {};
  const maxAge = decodeSessionDataInto(data, text);
  return { data, maxAge };
}

/**
 * {@link decodeSessionData} straight onto `target` (a request's session, on every read of a
 * stored one): one pass, and no intermediate object. Returns the custom lifetime, if any.
 */
export function decodeSessionDataInto(target: Record<string, unknown>, text: string): number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const source = parsed as Record<string, unknown>;
  let maxAge: number | null = null;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (key === MAX_AGE_KEY) {
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1000) maxAge = value;
    } else if (!RESERVED_DATA_KEYS.has(key)) {
      target[key] = value;
    }
  }
  return maxAge;
}

/** Removes every data property of a session object. */
export function clearSessionData(session: RequestSession): void {
  for (const key of Object.keys(session)) delete session[key];
}

/**
 * The stored JSON text of a session: `json` is `JSON.stringify(req.session)` (its own enumerable
 * properties), plus the custom lifetime when there is one.
 */
export function encodeSessionData(json: string, maxAge: number | null): string {
  if (maxAge === null) return json;
  return json === '{}' ? `{"${MAX_AGE_KEY}":${maxAge}}` : `${json.slice(0, -1)},"${MAX_AGE_KEY}":${maxAge}}`;
}
