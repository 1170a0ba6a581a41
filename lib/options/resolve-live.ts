import { QSESSIONS_LIVE_DEFAULTS as DEFAULTS, type QSessionsLiveOptions } from '../qsessions.options.js';
import { durationMs } from '../util/duration.js';
import { optionSection } from './option-section.js';
import type { ResolvedCacheOptions, ResolvedLiveOptions } from './resolved-options.js';

/** Below it the re-reads of every connected session would cost more than they tell. */
const MIN_CHECK_INTERVAL_MS = 1000;

/** Validates the `live` option, adding each problem to `problems`; the Redis defaults to the cache's. */
export function resolveLive(
  input: QSessionsLiveOptions | undefined,
  engine: string,
  cache: ResolvedCacheOptions,
  problems: string[],
): ResolvedLiveOptions {
  const given = optionSection(input, 'live', DEFAULTS, "{ checkInterval: '30s' }", problems);
  let checkIntervalMs = MIN_CHECK_INTERVAL_MS;
  try {
    checkIntervalMs = durationMs(given.checkInterval ?? DEFAULTS.checkInterval, '`live.checkInterval`');
    if (checkIntervalMs < MIN_CHECK_INTERVAL_MS) {
      problems.push(`\`live.checkInterval\` must be at least 1 second; got ${JSON.stringify(given.checkInterval)}.`);
    }
  } catch (error) {
    problems.push((error as Error).message.replace(/^nest-qsessions: /, ''));
  }
  const redisUrl = given.redisUrl;
  if (
    redisUrl !== undefined &&
    redisUrl !== false &&
    (typeof redisUrl !== 'string' || !/^rediss?:\/\//.test(redisUrl))
  ) {
    problems.push('`live.redisUrl` must be a redis:// or rediss:// URL, or false; got a value of another form.');
  }
  const channel = given.channel ?? `${cache.keyPrefix}live`;
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > 200) {
    problems.push('`live.channel` must be a non-empty string of at most 200 characters.');
  }
  const fromCache = engine === 'cached_db' ? (cache.redisUrl ?? null) : null;
  return {
    checkIntervalMs,
    redisUrl: redisUrl === false ? null : typeof redisUrl === 'string' ? redisUrl : fromCache,
    channel,
  };
}
