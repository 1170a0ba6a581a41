import { QSESSIONS_LIVE_DEFAULTS as DEFAULTS, type QSessionsLiveOptions } from '../qsessions.options.js';
import { durationMs } from '../util/duration.js';
import { optionSection } from './option-section.js';
import { redisTargetOf, type RedisTarget } from './redis-target.js';
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
  const channel = given.channel ?? `${cache.keyPrefix}live`;
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > 200) {
    problems.push('`live.channel` must be a non-empty string of at most 200 characters.');
  }
  return {
    checkIntervalMs: checkInterval(given.checkInterval, problems),
    redis: liveRedis(given.redisUrl, engine === 'cached_db' ? redisTargetOf(cache) : null, problems),
    channel,
    allowedOrigins: allowedOrigins(given.allowedOrigins, problems),
  };
}

/** Each entry must be an origin as browsers send it: scheme, host and port, nothing more. */
function allowedOrigins(given: unknown, problems: string[]): ReadonlySet<string> {
  if (given === undefined) return new Set();
  const list = Array.isArray(given) ? (given as unknown[]) : null;
  const invalid = list ? list.filter((origin) => !isOrigin(origin)) : [given];
  if (invalid.length > 0) {
    problems.push(
      "`live.allowedOrigins` must be a list of origins such as 'https://app.example.com' (no path, no " +
        `trailing slash); not ${invalid.map((origin) => JSON.stringify(origin)).join(', ')}.`,
    );
  }
  return new Set(list?.filter(isOrigin));
}

function isOrigin(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

function checkInterval(given: QSessionsLiveOptions['checkInterval'], problems: string[]): number {
  try {
    const ms = durationMs(given ?? DEFAULTS.checkInterval, '`live.checkInterval`');
    if (ms >= MIN_CHECK_INTERVAL_MS) return ms;
    problems.push(`\`live.checkInterval\` must be at least 1 second; got ${JSON.stringify(given)}.`);
  } catch (error) {
    problems.push((error as Error).message.replace(/^nest-qsessions: /, ''));
  }
  return MIN_CHECK_INTERVAL_MS;
}

/** The channel's Redis: the one given, none for `false`, else the cache's (`cached_db`, by URL or Sentinel). */
function liveRedis(given: unknown, fromCache: RedisTarget | null, problems: string[]): RedisTarget | null {
  if (given === undefined) return fromCache;
  if (given === false) return null;
  if (typeof given === 'string' && /^rediss?:\/\//.test(given)) return { url: given };
  problems.push('`live.redisUrl` must be a redis:// or rediss:// URL, or false; got a value of another form.');
  return null;
}
