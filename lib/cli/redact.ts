/** What replaces a secret in anything the commands print (as django-qsessions does for the key). */
export const REDACTED = '...';

/**
 * Replaces every occurrence of each secret (as given, and URL-encoded) in a text that may have
 * come from elsewhere: an error of the HTTP client, a server's response body. Messages built by
 * the commands themselves never contain a secret in the first place; this is the second line.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) result = result.split(form).join(REDACTED);
  }
  return result;
}

/** A URL fit to print: its password (as in `redis://:password@host`) replaced. Unparsable: a placeholder. */
export function redactUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = REDACTED;
    return parsed.toString();
  } catch {
    return '<the URL given, which is not a valid URL>';
  }
}
