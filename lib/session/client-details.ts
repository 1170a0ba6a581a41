import type { ClientHints } from './client-hints.js';

/** Who is on the other end of a request: what each session row records (`@ClientInfo()`). */
export interface ClientDetails {
  /** Client IP address (IPv4-mapped IPv6 written as plain IPv4), or null when unknown. */
  ip: string | null;
  /** The User-Agent header cut to 300 characters, or null when absent or empty. */
  userAgent: string | null;
  /**
   * The User-Agent Client Hints this request sent (with the `clientHints` option; otherwise
   * null), or null when it sent none. Give them to `parseDevice(userAgent, clientHints)` for the
   * request's real OS version and device model.
   */
  clientHints: ClientHints | null;
}
