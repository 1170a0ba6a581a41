import type { Cache } from 'cache-manager';
import { CacheManagerEntries } from '../cache/cache-manager-entries.js';
import type { CacheEntries } from '../cache/cache-entries.js';
import { SharedSessionCache, TOMBSTONE_TTL_MS } from '../cache/shared-session-cache.js';
import { cacheKeepsWhatItIsGiven } from '../cache/cache-probe.js';
import { connectRedisCache } from '../cache/create-cache.js';
import { QSessionsCommandError } from '../cli/command-error.js';
import { redactUrlPassword } from '../cli/redact.js';

// A command can wait longer than a request; a Redis that does not answer in this time is down.
const CACHE_TIMEOUT_MS = 5000;

/** The session cache of the app's cached_db engine, as the import fills it. */
export interface ImportCache {
  /** The very class the app's cached_db engine uses, so that entries have the app's format and keys. */
  sessionCache: SharedSessionCache;
  /** Problems the cache reported while importing (the cache port never throws; it reports). */
  problems: string[];
  /** Where the cache is, fit to print (no password). */
  description: string;
  close(): Promise<void>;
}

/**
 * Opens the cache of the app's `cached_db` engine: Redis at `redisUrl` (the app's
 * `cache.redisUrl`), or a cache-manager `cache` given by a caller. A probe key is written and read
 * back first: cache-manager and Keyv turn an unreachable Redis into silent misses, and the import
 * must not claim to have filled a cache it could not reach.
 */
export async function openImportCache(source: { redisUrl?: string; cache?: Cache }, keyPrefix: string) {
  let cache: Cache;
  let entries: CacheEntries;
  let close = async () => {};
  let description = 'the cache given';
  if (source.cache) {
    cache = source.cache;
    entries = new CacheManagerEntries(cache);
  } else {
    description = `Redis at ${redactUrlPassword(source.redisUrl!)}`;
    try {
      const chosen = await connectRedisCache(source.redisUrl!);
      cache = chosen.cache;
      entries = chosen.entries;
      close = chosen.close;
    } catch (error) {
      throw new QSessionsCommandError(`Cannot use the session cache (${description}): ${(error as Error).message}`);
    }
  }

  if (!(await cacheKeepsWhatItIsGiven(cache, keyPrefix, CACHE_TIMEOUT_MS, description))) {
    await close().catch(() => undefined);
    throw new QSessionsCommandError(
      `The session cache (${description}) does not answer; nothing was imported. Check --redis-url (the URL your ` +
        'app gives as cache.redisUrl) and that Redis is up, or leave it out: the app reads imported sessions from ' +
        'the database on a cache miss.',
    );
  }

  const problems: string[] = [];
  const sessionCache = new SharedSessionCache(
    entries,
    { keyPrefix, timeoutMs: CACHE_TIMEOUT_MS, tombstoneTtlMs: TOMBSTONE_TTL_MS },
    { warn: (message) => problems.push(message) },
  );
  return {
    sessionCache,
    problems,
    description,
    close: async () => {
      sessionCache.close();
      await close();
    },
  } satisfies ImportCache;
}
