/** Who is on the other end of a request: what each session row records (`@ClientInfo()`). */
export interface ClientDetails {
  /** Client IP address (IPv4-mapped IPv6 written as plain IPv4), or null when unknown. */
  ip: string | null;
  /** The User-Agent header cut to 300 characters, or null when absent or empty. */
  userAgent: string | null;
}
