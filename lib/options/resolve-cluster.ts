import type { QSessionsRedisClusterOptions } from '../qsessions.options.js';
import { optionSection } from './option-section.js';
import { resolveRedisAddresses, stringFieldProblems, type RedisAddress } from './redis-addresses.js';

/** `cache.cluster` once checked: the root nodes as addresses. */
export interface ResolvedClusterOptions extends Omit<QSessionsRedisClusterOptions, 'rootNodes'> {
  rootNodes: RedisAddress[];
}

const KNOWN: Record<keyof QSessionsRedisClusterOptions, undefined> = {
  rootNodes: undefined,
  username: undefined,
  password: undefined,
};
const EXAMPLE = "{ rootNodes: ['10.0.0.1:6379', '10.0.0.2:6379'] }";

/** Checks `cache.cluster`, adding each problem (with its fix) to `problems`; undefined when left out or unusable. */
export function resolveCluster(input: unknown, problems: string[]): ResolvedClusterOptions | undefined {
  if (input === undefined) return undefined;
  const count = problems.length;
  const given = optionSection(
    input as QSessionsRedisClusterOptions,
    'cache.cluster',
    KNOWN,
    EXAMPLE,
    problems,
  ) as Partial<QSessionsRedisClusterOptions>;
  const rootNodes = resolveRedisAddresses(
    given.rootNodes,
    'cache.cluster.rootNodes',
    'some nodes of the cluster',
    EXAMPLE,
    problems,
  );
  problems.push(...stringFieldProblems(given, ['username', 'password'], 'cache.cluster'));
  if (problems.length > count) return undefined;
  return { ...(given as QSessionsRedisClusterOptions), rootNodes };
}
