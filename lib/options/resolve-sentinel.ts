import type { QSessionsRedisSentinelOptions } from '../qsessions.options.js';
import { optionSection } from './option-section.js';
import { isWholeNumberFrom } from './option-values.js';

/** A sentinel's address once checked. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/** `cache.sentinel` once checked: the sentinels as addresses. */
export interface ResolvedSentinelOptions extends Omit<QSessionsRedisSentinelOptions, 'sentinels'> {
  sentinels: SentinelAddress[];
}

const KNOWN: Record<keyof QSessionsRedisSentinelOptions, undefined> = {
  name: undefined,
  sentinels: undefined,
  username: undefined,
  password: undefined,
  sentinelUsername: undefined,
  sentinelPassword: undefined,
  database: undefined,
};
const EXAMPLE = "{ name: 'mymaster', sentinels: ['10.0.0.1:26379', '10.0.0.2:26379'] }";

/** Checks `cache.sentinel`, adding each problem (with its fix) to `problems`; undefined when left out or unusable. */
export function resolveSentinel(input: unknown, problems: string[]): ResolvedSentinelOptions | undefined {
  if (input === undefined) return undefined;
  const count = problems.length;
  const given = optionSection(
    input as QSessionsRedisSentinelOptions,
    'cache.sentinel',
    KNOWN,
    EXAMPLE,
    problems,
  ) as Partial<QSessionsRedisSentinelOptions>;
  if (typeof given.name !== 'string' || given.name.length === 0) {
    problems.push(
      `\`cache.sentinel.name\` must be the name the sentinels monitor the primary under, as in ${EXAMPLE}.`,
    );
  }
  const sentinels = addresses(given.sentinels, problems);
  for (const key of ['username', 'password', 'sentinelUsername', 'sentinelPassword'] as const) {
    if (given[key] !== undefined && typeof given[key] !== 'string') {
      problems.push(`\`cache.sentinel.${key}\` must be a string.`);
    }
  }
  if (given.database !== undefined && !isWholeNumberFrom(given.database, 0)) {
    problems.push('`cache.sentinel.database` must be a whole number from 0.');
  }
  if (problems.length > count) return undefined;
  return { ...(given as QSessionsRedisSentinelOptions), sentinels };
}

function addresses(given: unknown, problems: string[]): SentinelAddress[] {
  const list = Array.isArray(given) ? (given as unknown[]) : [];
  const parsed = list.map(address);
  if (list.length === 0 || parsed.includes(null)) {
    problems.push(
      "`cache.sentinel.sentinels` must list the sentinels as 'host:port' or { host, port } (port 1 to 65535), " +
        `as in ${EXAMPLE}.`,
    );
  }
  return parsed.filter((entry) => entry !== null);
}

function address(entry: unknown): SentinelAddress | null {
  if (typeof entry === 'string') {
    // 'host:port', the host possibly an IPv6 address in brackets.
    const match = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(entry);
    if (!match) return null;
    return address({ host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) });
  }
  if (typeof entry !== 'object' || entry === null) return null;
  const { host, port } = entry as Partial<SentinelAddress>;
  if (typeof host !== 'string' || host.length === 0 || !isWholeNumberFrom(port, 1) || port! > 65535) return null;
  return { host, port: port! };
}
