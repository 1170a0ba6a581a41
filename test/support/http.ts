/** Minimal cookie handling for tests that need to see exactly what the server sent. */
export interface ParsedSetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** Parses the Set-Cookie headers of a response. */
export function setCookies(headers: Record<string, unknown>): ParsedSetCookie[] {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return list.map((line: string) => {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair!.indexOf('=');
    const parsed: ParsedSetCookie = { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes: {} };
    for (const attribute of attributes) {
      const at = attribute.indexOf('=');
      if (at === -1) parsed.attributes[attribute.toLowerCase()] = true;
      else parsed.attributes[attribute.slice(0, at).toLowerCase()] = attribute.slice(at + 1);
    }
    return parsed;
  });
}

/** The session cookie a response set, if any. */
export function sessionCookie(headers: Record<string, unknown>, name = 'sessionid'): ParsedSetCookie | undefined {
  return setCookies(headers).find((cookie) => cookie.name === name);
}
