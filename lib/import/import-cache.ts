import { randomUUID } from 'node:crypto';
import type { Cache } from 'cache-manager';
import type { CacheEntries } from '../cache/cache-entries.js';
import { CacheKeys } from '../cache/cache-keys.js';
import { chooseCache, type ChosenCache } from '../cache/create-cache.js';
import { createSessionCache } from '../cache/create-session-cache.js';
import type { SessionCache } from '../session/session-cache.js';
import { QSessionsCommandError } from '../cli/command-error.js';
import { redactUrlPassword } from '../cli/redact.js';
import { redisAddress } from '../options/redis-addresses.js';
import { withTimeout } from '../util/with-timeout.js';

// A command can wait longer than a request; a Redis that does not answer in this time is down.
const CACHE_TIMEOUT_MS = 5000;

/** The session cache of the app's cached_db engine, as the import fills it. */
export interface ImportCache {
  /** Made as the app's cached_db engine makes it, so that entries have the app's format and keys. */
  sessionCache: SessionCache;
  /** Problems the cache reported while importing (the cache port never throws; it reports). */
  problems: string[];
  /** Where the cache is, fit to print (no password). */
  description: string;
  close(): Promise<void>;
}

/**
 * Opens the cache of the app's `cached_db` engine, as the app does (see chooseCache): Redis at
 * `redisUrl` (the app's `cache.redisUrl`), or a cache-manager `cache` given by a caller. A probe
 * key is written and read back first: an unreachable Redis, or a cache-manager store that
 * swallows errors, must not let the import claim to have filled a cache it could not reach.
 */
export async function openImportCache(
  source: { redisUrl?: string; redisCluster?: readonly string[]; cache?: Cache },
  keyPrefix: string,
): Promise<ImportCache> {
  const problems: string[] = [];
  const logger = { warn: (message: string) => problems.push(message) };
  const description = source.cache
    ? 'the cache given'
    : source.redisCluster
      ? `the Redis Cluster at ${source.redisCluster.join(', ')}`
      : `Redis at ${redactUrlPassword(source.redisUrl!)}`;
  // Checked by importExpressSessions: every node is an address.
  const cluster = source.redisCluster && { rootNodes: source.redisCluster.map((node) => redisAddress(node)!) };
  let chosen: ChosenCache;
  try {
    chosen = (await chooseCache({ instance: source.cache, redisUrl: source.redisUrl, cluster }, undefined, logger))!;
  } catch (error) {
    throw new QSessionsCommandError(`Cannot use the session cache (${description}): ${(error as Error).message}`);
  }

  if (!(await cacheKeepsWhatItIsGiven(chosen.entries, new CacheKeys(keyPrefix), CACHE_TIMEOUT_MS, description))) {
    await chosen.close().catch(() => undefined);
    throw new QSessionsCommandError(
      `The session cache (${description}) does not answer; nothing was imported. Check --redis-url (the URL your ` +
        'app gives as cache.redisUrl) and that Redis is up, or leave it out: the app reads imported sessions from ' +
        'the database on a cache miss.',
    );
  }

  const sessionCache = createSessionCache(chosen, { keyPrefix, maxEntries: 1, timeoutMs: CACHE_TIMEOUT_MS, logger });
  return {
    sessionCache,
    problems,
    description,
    close: async () => {
      sessionCache.close();
      await chosen.close();
    },
  };
}

/**
 * Writes a probe key, reads it back and removes it: true only if the cache keeps what it is
 * given. A Redis client between connections, or a cache-manager store, can report success for
 * writes it dropped.
 */
async function cacheKeepsWhatItIsGiven(
  entries: CacheEntries,
  keys: CacheKeys,
  timeoutMs: number,
  description: string,
): Promise<boolean> {
  const probeKey = keys.probe(randomUUID());
  const probe = randomUUID();
  const within = <T>(operation: T | Promise<T>) => withTimeout(Promise.resolve(operation), timeoutMs, description);
  try {
    await within(entries.setMany([{ key: probeKey, value: probe, ttlMs: 60_000 }]));
    const [read] = await within(entries.getMany([probeKey]));
    if (read !== probe) return false;
    await within(entries.deleteMany([probeKey]));
    return true;
  } catch {
    return false;
  }
}
