/** Whether `value` can be a cookie's Path attribute: starts with "/", no ";" or whitespace. */
export function isCookiePath(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('/') && !/[;\s]/.test(value);
}

/** Whether an optional Domain attribute is left out or a host name such as "example.com". */
export function isOptionalCookieDomain(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && /^\.?[A-Za-z0-9.-]+$/.test(value));
}
