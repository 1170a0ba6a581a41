/**
 * The password in a connection URL (`redis://:secret@host`, `postgres://user:secret@host/db`),
 * decoded, or undefined: what to hide from a driver's error message before it is printed.
 */
export function urlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
