import type { Cache } from 'cache-manager';
import { CacheManagerEntries } from '../../cache/cache-manager-entries.js';
import type { CacheEntries } from '../../cache/cache-entries.js';
import { SharedSessionCache, TOMBSTONE_TTL_MS } from '../../cache/shared-session-cache.js';
import { cacheKeepsWhatItIsGiven } from '../../cache/cache-probe.js';
import { connectRedisCache } from '../../cache/create-cache.js';
import { withTimeout } from '../../core/with-timeout.js';
import { QSessionsCommandError } from '../command-error.js';
import { redactUrlPassword } from '../redact.js';

// A command can wait longer than a request; a Redis that does not answer in this time is down.
const CACHE_TIMEOUT_MS = 5000;

/** The session cache the command evicts from, and how to let go of it. */
export interface EvictionCache {
  /** The very class the app's cached_db engine uses, so that eviction means the same thing. */
  sessionCache: SharedSessionCache;
  /** Cache problems reported while evicting (the cache port never throws; it reports). */
  problems: string[];
  /** Where the cache is, fit to print (no password). */
  description: string;
  /**
   * True when the cache itself holds the revocation tombstone of `digest`. Read straight from the
   * cache, not through the port, which may answer from what it remembers in this process.
   */
  holdsTombstone(digest: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens the cache of the app's `cached_db` engine: Redis at `redisUrl` (as the app's
 * `cache.redisUrl`), or a cache-manager `cache` given by a caller. Checks first that it
 * answers, by writing and reading back a probe key: cache-manager and Keyv turn an unreachable
 * Redis into silent misses, and a command that claims to have evicted must have evicted.
 */
export async function openEvictionCache(
  source: { redisUrl?: string; cache?: Cache },
  keyPrefix: string,
): Promise<EvictionCache> {
  let cache: Cache;
  let entries: CacheEntries;
  let close = async () => {};
  let description: string;
  if (source.cache) {
    cache = source.cache;
    entries = new CacheManagerEntries(cache);
    description = 'the cache given';
  } else {
    const url = source.redisUrl!;
    description = `Redis at ${redactUrlPassword(url)}`;
    let chosen;
    try {
      chosen = await connectRedisCache(url);
    } catch (error) {
      throw new QSessionsCommandError(`Cannot use ${description}: ${(error as Error).message}`);
    }
    cache = chosen.cache;
    entries = chosen.entries;
    close = chosen.close;
  }

  const answered = await cacheKeepsWhatItIsGiven(cache, keyPrefix, CACHE_TIMEOUT_MS, description);
  if (!answered) {
    await close().catch(() => undefined);
    throw new QSessionsCommandError(
      `The session cache (${description}) does not answer, so expired sessions could not be evicted from it; ` +
        'nothing was deleted. ' +
        (source.cache
          ? 'Check that the cache works, or leave it out: '
          : 'Check --redis-url (the URL your app gives as cache.redisUrl) and that Redis is up, or leave --redis-url out: ') +
        'cached entries of expired sessions also expire by themselves.',
    );
  }

  const problems: string[] = [];
  const sessionCache = new SharedSessionCache(
    entries,
    { keyPrefix, timeoutMs: CACHE_TIMEOUT_MS, tombstoneTtlMs: TOMBSTONE_TTL_MS },
    { warn: (message) => problems.push(message) },
  );
  const holdsTombstone = async (digest: string) => {
    try {
      // CacheManagerSessionCache's tombstone key, `<prefix>r:<digest>` (the test checks these keys).
      const value = await withTimeout(cache.get(`${keyPrefix}r:${digest}`), CACHE_TIMEOUT_MS, description);
      return value !== undefined && value !== null;
    } catch {
      return false;
    }
  };
  const closeAll = async () => {
    // The port's retry timer; revocations it still holds back are lost with this process, which
    // is why each batch's tombstone is read back from the cache itself (holdsTombstone).
    sessionCache.close();
    await close();
  };
  return { sessionCache, problems, description, holdsTombstone, close: closeAll };
}
