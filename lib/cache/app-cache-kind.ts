import type { Cache } from 'cache-manager';

/**
 * Keyv store adapters whose entries live in a server that every process reaches. Matched by
 * class name, the adapter's own or one it extends, so that no adapter package has to be
 * installed to be recognised (checked on @keyv/redis 5, and the other adapters' sources).
 */
const REMOTE_STORE_CLASSES: ReadonlySet<string> = new Set([
  'KeyvRedis', // @keyv/redis
  'KeyvValkey', // @keyv/valkey
  'KeyvValkeyGlide', // @keyv/valkey-glide
  'KeyvMemcache', // @keyv/memcache
  'KeyvPostgres', // @keyv/postgres
  'KeyvMysql', // @keyv/mysql
  'KeyvMongo', // @keyv/mongo
  'KeyvEtcd', // @keyv/etcd
  'KeyvDynamo', // @keyv/dynamo
]);

/**
 * Whether a cache-manager 7 cache is shared by every process of the app: true only when it has
 * stores and each of them (`cache.stores`, each a Keyv) keeps its entries in a server, through
 * one of the adapters above. Anything else keeps entries in this process, or may: a plain `Map`
 * (Keyv's and cache-manager's default), cacheable's `KeyvCacheableMemory`/`CacheableMemory`, an
 * LRU, a `Cacheable` with its in-memory first tier, an adapter this list does not know. One such
 * tier is enough to make the cache per-process: a multi-tier cache answers reads from its first
 * tier, so a session revoked by another process would still be served from this one's memory.
 */
export function isSharedCache(cache: Cache): boolean {
  const stores: readonly unknown[] = Array.isArray(cache.stores) ? cache.stores : [];
  return stores.length > 0 && stores.every((keyv) => isRemoteStore((keyv as { store?: unknown } | null)?.store));
}

function isRemoteStore(store: unknown): boolean {
  // The prototype chain, so that a subclass of a known adapter (an app's own tweak) counts too.
  for (let proto = store; proto !== null && typeof proto === 'object'; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && REMOTE_STORE_CLASSES.has(name)) return true;
  }
  return false;
}
