import { isWholeNumberFrom } from './option-values.js';

/** A Redis server's (or a sentinel's) address once checked. */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * The addresses of a list given as `'host:port'` (an IPv6 host in brackets) or `{ host, port }`;
 * adds one problem naming `path` when the list is empty or an entry is not an address.
 */
export function resolveRedisAddresses(
  given: unknown,
  path: string,
  what: string,
  example: string,
  problems: string[],
): RedisAddress[] {
  const list = Array.isArray(given) ? (given as unknown[]) : [];
  const parsed = list.map(redisAddress);
  if (list.length === 0 || parsed.includes(null)) {
    problems.push(
      `\`${path}\` must list ${what} as 'host:port' or { host, port } (port 1 to 65535), as in ${example}.`,
    );
  }
  return parsed.filter((entry) => entry !== null);
}

/** The address in `'host:port'` (an IPv6 host in brackets) or `{ host, port }`, or null when it is not one. */
export function redisAddress(entry: unknown): RedisAddress | null {
  if (typeof entry === 'string') {
    const match = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(entry);
    if (!match) return null;
    return redisAddress({ host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) });
  }
  if (typeof entry !== 'object' || entry === null) return null;
  const { host, port } = entry as Partial<RedisAddress>;
  if (typeof host !== 'string' || host.length === 0 || !isWholeNumberFrom(port, 1) || port! > 65535) return null;
  return { host, port: port! };
}

/** Adds a problem for each of `keys` of `given` that is present and not a string. */
export function stringFieldProblems(given: object, keys: readonly string[], path: string): string[] {
  return keys
    .filter((key) => (given as Record<string, unknown>)[key] !== undefined)
    .filter((key) => typeof (given as Record<string, unknown>)[key] !== 'string')
    .map((key) => `\`${path}.${key}\` must be a string.`);
}
