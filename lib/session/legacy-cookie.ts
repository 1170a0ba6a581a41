import { unsign } from 'cookie-signature';

/**
 * The session id in an express-session cookie value (`s:<sid>.<signature>`, already
 * percent-decoded), or null when no secret signed it. Each secret is tried in turn, as
 * express-session does; cookie-signature compares in constant time. An unsigned value is refused:
 * express-session never issues one.
 */
export function unsignLegacyCookie(value: string, secrets: readonly string[]): string | null {
  if (!value.startsWith('s:')) return null;
  const signed = value.slice(2);
  for (const secret of secrets) {
    const sid = unsign(signed, secret);
    if (sid !== false && sid !== '') return sid;
  }
  return null;
}
