import { USER_AGENT_A } from '../bench-config.js';
import { LOGIN_PATH, READ_PATH, type ReadResponse } from '../app/routes.js';

/**
 * The `name=value` pair of the cookie called `name` among Set-Cookie header values, as a client
 * sends it back; undefined when none of them sets it.
 */
export function cookiePair(setCookieHeaders: readonly string[], name: string): string | undefined {
  for (const header of setCookieHeaders) {
    const pair = header.split(';', 1)[0]!.trim();
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === name && pair.length > equals + 1) return pair;
  }
  return undefined;
}

/**
 * Signs in `count` times (user ids cycling 1, 2, ...) and returns each session's cookie: one per
 * autocannon connection, so that connections do not contend for one session row and each
 * behaves like a separate browser. The sign-ins use the User-Agent of the measured requests, so
 * the first read is not an IP/UA change.
 */
export async function signInCookies(
  baseUrl: string,
  cookieName: string,
  count: number,
  users: number,
): Promise<string[]> {
  const cookies: string[] = new Array<string>(count);
  const parallel = 10;
  for (let start = 0; start < count; start += parallel) {
    const batch = [];
    for (let index = start; index < Math.min(start + parallel, count); index++) {
      batch.push(
        signIn(baseUrl, cookieName, (index % users) + 1).then((cookie) => {
          cookies[index] = cookie;
        }),
      );
    }
    await Promise.all(batch);
  }
  return cookies;
}

/** One sign-in; throws when it fails or sets no session cookie. */
export async function signIn(baseUrl: string, cookieName: string, userId: number): Promise<string> {
  const response = await fetch(`${baseUrl}${LOGIN_PATH}?user=${userId}`, {
    method: 'POST',
    headers: { 'user-agent': USER_AGENT_A },
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`sign-in answered ${response.status}`);
  const cookie = cookiePair(response.headers.getSetCookie(), cookieName);
  if (!cookie) throw new Error(`sign-in set no ${cookieName} cookie`);
  return cookie;
}

/** Reads the session behind a cookie (what GET /read answers). */
export async function readSession(baseUrl: string, cookie: string): Promise<ReadResponse> {
  const response = await fetch(`${baseUrl}${READ_PATH}`, { headers: { cookie, 'user-agent': USER_AGENT_A } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${READ_PATH} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as ReadResponse;
}
