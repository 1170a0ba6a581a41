import type { CacheEntries } from '../cache/cache-entries.js';
import type { ChosenCache } from '../cache/create-cache.js';
import type { CacheBreakerState, KeyValueSessionCache } from '../cache/key-value-session-cache.js';
import { withTimeout } from '../util/with-timeout.js';
import type {
  QSessionsCacheBreakerHealth,
  QSessionsCacheHealth,
  QSessionsCacheKind,
  QSessionsCacheProbeHealth,
} from './health-details.js';
import { elapsedMs, safeMessage } from './safe-message.js';

/** What {@link cacheHealth} looks at. */
export interface CacheUnderCheck {
  /** The engine's session cache: its breaker, its trust and its key names. */
  sessionCache: KeyValueSessionCache;
  /** The cache it runs over (null: this process's memory). */
  chosen: ChosenCache | null;
  /** How long the probe read may take: the module's `cache.timeoutMs`, what a request allows. */
  timeoutMs: number;
  /** Report `down` rather than `degraded`. */
  cacheRequired: boolean;
  secrets: readonly string[];
}

/**
 * The cache's health: its kind, its breaker and trust as requests see them, and a read of its
 * own. The read goes to the cache server directly (under the near cache, beside the breaker), so
 * that it says how the server is now without changing what requests do; it reads one key that
 * nothing writes, and writes nothing.
 */
export async function cacheHealth(under: CacheUnderCheck): Promise<QSessionsCacheHealth> {
  const { sessionCache, chosen } = under;
  const entries = chosen?.entries ?? sessionCache.entries;
  const probe = await probeRead(entries, sessionCache.keys.healthProbe, under);
  const breaker = sessionCache.breakerState();
  const trusted = sessionCache.trusted;
  const problems = [
    ...(probe.status === 'down' ? [`the probe read failed: ${probe.message}`] : []),
    ...(breaker.state === 'closed' ? [] : ['its circuit breaker is open (requests skip it and use the database)']),
    ...(trusted ? [] : ['cached sessions are not served until its next check succeeds']),
  ];
  const health: QSessionsCacheHealth = {
    status: problems.length === 0 ? 'up' : under.cacheRequired ? 'down' : 'degraded',
    kind: kindOf(chosen),
    shared: chosen?.shared ?? false,
    nearCache: chosen?.keyTracking !== undefined,
    breaker: breakerHealth(breaker),
    trusted,
    probe,
  };
  if (problems.length > 0) health.message = `The session cache is degraded: ${problems.join('; ')}.`;
  return health;
}

async function probeRead(
  entries: CacheEntries,
  key: string,
  { timeoutMs, secrets }: CacheUnderCheck,
): Promise<QSessionsCacheProbeHealth> {
  const startedAt = performance.now();
  try {
    const read = entries.getMany([key]);
    if (read instanceof Promise) await withTimeout(read, timeoutMs, 'The session cache (health probe)');
    return { status: 'up', latencyMs: elapsedMs(startedAt) };
  } catch (error) {
    return { status: 'down', latencyMs: elapsedMs(startedAt), message: safeMessage(error, secrets) };
  }
}

function kindOf(chosen: ChosenCache | null): QSessionsCacheKind {
  if (!chosen) return 'memory';
  return chosen.source === 'app' ? 'app-cache-manager' : chosen.source;
}

function breakerHealth(breaker: CacheBreakerState): QSessionsCacheBreakerHealth {
  const health: QSessionsCacheBreakerHealth = { state: breaker.state };
  if (breaker.openedAt !== null) health.openedAt = new Date(breaker.openedAt).toISOString();
  if (breaker.lastFailureAt !== null) health.lastFailureAt = new Date(breaker.lastFailureAt).toISOString();
  if (breaker.nextProbeAt !== null) health.nextProbeAt = new Date(breaker.nextProbeAt).toISOString();
  return health;
}
