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
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { data: {}, maxAge: null };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { data: {}, maxAge: null };
  const data: Record<string, unknown> = {};
  let maxAge: number | null = null;
  for (const [key, value] of Object.entries(parsed)) {
    if (key === MAX_AGE_KEY) {
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1000) maxAge = value;
    } else if (!RESERVED_DATA_KEYS.has(key)) {
      data[key] = value;
    }
  }
  return { data, maxAge };
}

/** Copies decoded data onto a session object as own properties. */
export function assignSessionData(session: RequestSession, data: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(data)) session[key] = value;
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
