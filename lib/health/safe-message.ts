// What a health check says about an error goes to whoever can read the health endpoint: the
// driver's words are kept (they say what is wrong), any password of the connections is not.

const REDACTED = '...';
// `scheme://user:password@host`: the password part of any URL in a message.
const URL_PASSWORD = /(\/\/[^\s/:@]*:)[^\s/@]+@/g;

/** The message of `error`, without the given secrets nor any password written in a URL. */
export function safeMessage(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? error.message || error.name : String(error);
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) text = text.split(form).join(REDACTED);
  }
  return text.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

/** The password in a connection URL, decoded, when there is one. */
export function passwordOf(url: unknown): string[] {
  if (typeof url !== 'string') return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password] : [];
  } catch {
    return [];
  }
}

/** Milliseconds since `startedAt` (a `performance.now()`), to a tenth. */
export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}
