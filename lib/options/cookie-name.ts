// RFC 6265 token characters: what a cookie name may contain.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `name` may be used as a cookie name (an RFC 6265 token). */
export function isValidCookieName(name: unknown): name is string {
  return typeof name === 'string' && COOKIE_NAME.test(name);
}
