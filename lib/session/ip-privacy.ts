import { isIPv4, isIPv6 } from 'node:net';

/**
 * How much of a client's IP address is kept: `'full'`; `'truncated'` (the /24 of an IPv4
 * address, the /48 of an IPv6 one: enough for an approximate location, not for the household);
 * or `'none'`.
 */
export type IpPrivacy = 'full' | 'truncated' | 'none';

/** `ip` as `privacy` allows it to be stored and looked up (null when nothing may be kept). */
export function applyIpPrivacy(ip: string | null, privacy: IpPrivacy): string | null {
  if (ip === null || privacy === 'full') return ip;
  if (privacy === 'none') return null;
  if (isIPv4(ip)) return ip.replace(/\.\d+$/, '.0');
  if (!isIPv6(ip)) return null;
  const groups = ipv6Groups(ip);
  // A form this does not read (an embedded IPv4 tail): dropped rather than kept whole.
  if (!groups) return null;
  // The first 48 bits, the zeros after them compressed (RFC 5952: `2001:db8::`, not `2001:db8:0::`).
  const kept = groups.slice(0, 3);
  while (kept.length > 0 && kept[kept.length - 1] === '0') kept.pop();
  return `${kept.join(':')}::`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(ip: string): string[] | null {
  const halves = ip.toLowerCase().split('::');
  if (halves.length > 2) return null;
  const part = (text: string | undefined) => (text ? text.split(':') : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => group.replace(/^0+(?=.)/, ''));
}
