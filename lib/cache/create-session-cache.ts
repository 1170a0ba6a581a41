import type { RevocationLedger } from '../session/revocation-ledger.js';
import type { SessionTelemetry } from '../session/session-telemetry.js';
import type { WarningSink } from '../util/warn-once.js';
import { CacheKeys } from './cache-keys.js';
import { CACHE_TRUST_TIMINGS } from './cache-trust.js';
import type { ChosenCache } from './create-cache.js';
import { KeyValueSessionCache, TOMBSTONE_TTL_MS } from './key-value-session-cache.js';
import { MemoryEntries } from './memory-entries.js';
import { NearCacheEntries } from './near-cache-entries.js';

/** What {@link createSessionCache} needs besides the cache. */
export interface SessionCacheSettings {
  /** The app's `cache.keyPrefix`, `cache.maxEntries` (also the near cache's bound) and `cache.timeoutMs`. */
  keyPrefix: string;
  maxEntries: number;
  timeoutMs: number;
  /** Where revocations a shared cache cannot take are held (the app); without (the commands): warned about. */
  ledger?: RevocationLedger;
  logger: WarningSink;
  now?: () => number;
  /** Where lookups and breaker openings are reported (the app's metrics); nowhere by default. */
  telemetry?: SessionTelemetry;
}

// Keys one session read leaves copies of in the near cache: record, tombstone, absence mark.
const KEYS_PER_SESSION = 3;

/**
 * The session cache over the chosen cache (`null`: this process's memory), for the app and the
 * commands alike. The kinds differ only in what the adapter can do: memory loses nothing (no trust
 * check) and is private, so its epoch reaches signed-in sessions only; a shared cache gets the
 * trust check when a ledger is given; Redis with key tracking gets its near cache as a layer.
 */
export function createSessionCache(chosen: ChosenCache | null, settings: SessionCacheSettings): KeyValueSessionCache {
  const { maxEntries, timeoutMs, logger, now = Date.now, telemetry } = settings;
  if (!chosen) {
    // Nobody else writes this memory: the keys need no prefix.
    const keys = new CacheKeys('');
    const entries = new MemoryEntries(keys, maxEntries, now);
    const options = { keys, timeoutMs, tombstoneTtlMs: TOMBSTONE_TTL_MS, epochReach: 'signed-in' as const, telemetry };
    return new KeyValueSessionCache(entries, { ...options, shareTexts: true }, logger, now);
  }
  const keys = new CacheKeys(settings.keyPrefix);
  const entries = chosen.keyTracking
    ? new NearCacheEntries(chosen.entries, keys, chosen.keyTracking, KEYS_PER_SESSION * maxEntries)
    : chosen.entries;
  const guarantee = settings.ledger && {
    ledger: settings.ledger,
    timings: CACHE_TRUST_TIMINGS,
    onConnectionLost: chosen.onConnectionLost,
  };
  const options = {
    keys,
    timeoutMs,
    tombstoneTtlMs: TOMBSTONE_TTL_MS,
    epochReach: 'all' as const,
    guarantee,
    telemetry,
    nearCache: chosen.keyTracking !== undefined,
  };
  return new KeyValueSessionCache(entries, options, logger, now);
}
