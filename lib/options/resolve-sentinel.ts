import type { QSessionsRedisSentinelOptions } from '../qsessions.options.js';
import { optionSection } from './option-section.js';
import { isWholeNumberFrom } from './option-values.js';
import { resolveRedisAddresses, stringFieldProblems, type RedisAddress } from './redis-addresses.js';

/** `cache.sentinel` once checked: the sentinels as addresses. */
export interface ResolvedSentinelOptions extends Omit<QSessionsRedisSentinelOptions, 'sentinels'> {
  sentinels: RedisAddress[];
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
  const sentinels = resolveRedisAddresses(
    given.sentinels,
    'cache.sentinel.sentinels',
    'the sentinels',
    EXAMPLE,
    problems,
  );
  const credentials = ['username', 'password', 'sentinelUsername', 'sentinelPassword'];
  problems.push(...stringFieldProblems(given, credentials, 'cache.sentinel'));
  if (given.database !== undefined && !isWholeNumberFrom(given.database, 0)) {
    problems.push('`cache.sentinel.database` must be a whole number from 0.');
  }
  if (problems.length > count) return undefined;
  return { ...(given as QSessionsRedisSentinelOptions), sentinels };
}
