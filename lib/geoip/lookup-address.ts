import { isIP } from 'node:net';

// The longest textual IP address: eight IPv6 groups ending in an embedded IPv4 address.
const MAX_ADDRESS_LENGTH = 45;
const MAPPED_DOTTED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/**
 * The address to look up in a GeoIP database, or null when `value` is not exactly one IP
 * address. IPv4-mapped IPv6 (`::ffff:1.2.3.4` or `::ffff:102:304`, how Node reports IPv4
 * clients on dual-stack sockets) becomes plain IPv4, which every database answers. Anything
 * else is refused rather than guessed at: surrounding spaces, an IPv6 zone (`fe80::1%eth0`,
 * a local interface, never a located client), host names, or a value that is not a string.
 */
export function toLookupAddress(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ADDRESS_LENGTH) return null;
  // Node's isIP accepts zone ids; a zone only ever names a link-local interface.
  if (value.includes('%')) return null;
  const dotted = MAPPED_DOTTED.exec(value);
  if (dotted) return isIP(dotted[1]) === 4 ? dotted[1] : null;
  const hex = MAPPED_HEX.exec(value);
  if (hex) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  const version = isIP(value);
  if (version === 4) return value;
  if (version === 6) return value.toLowerCase();
  return null;
}
