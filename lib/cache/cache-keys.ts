/** What a key of the session cache holds (see {@link CacheKeys.kindOf}). */
export type CacheKeyKind = 'record' | 'tombstone' | 'absent' | 'other';

/**
 * Every key name of the session cache, built in this one place for the app, the `import` command
 * and the tests: `<prefix>s:<digest>` the record, `<prefix>r:<digest>` its revocation tombstone,
 * `<prefix>a:<digest>` the mark that the database had no such session a moment ago,
 * `<prefix>epoch`, `<prefix>incarnation` (the cache server's identity),
 * `<prefix>cli-probe:<id>` (the commands' check that the cache keeps what it is given), and
 * `<prefix>health-probe` (read by the health check, never written by anyone).
 */
export class CacheKeys {
  /** The epoch key. */
  readonly epoch: string;
  /** The incarnation key. */
  readonly incarnation: string;
  /** The key the health check reads to see the cache answer: nothing ever writes it. */
  readonly healthProbe: string;

  constructor(
    /** Prefix of every key (the app's `cache.keyPrefix`). */
    readonly prefix: string,
  ) {
    this.epoch = `${prefix}epoch`;
    this.incarnation = `${prefix}incarnation`;
    this.healthProbe = `${prefix}health-probe`;
  }

  /** The key of the cached record of `digest`. */
  record(digest: string): string {
    return `${this.prefix}s:${digest}`;
  }

  /** The key of the revocation tombstone of `digest`. */
  tombstone(digest: string): string {
    return `${this.prefix}r:${digest}`;
  }

  /** The key of the absence mark of `digest`. */
  absent(digest: string): string {
    return `${this.prefix}a:${digest}`;
  }

  /** A probe key of the commands' write-and-read-back check. */
  probe(id: string): string {
    return `${this.prefix}cli-probe:${id}`;
  }

  /** What `key` holds; null for a key that is not ours. */
  kindOf(key: string): CacheKeyKind | null {
    if (!key.startsWith(this.prefix)) return null;
    // The kind letter is followed by ':'; the epoch and incarnation keys have a longer word there.
    return key[this.prefix.length + 1] === ':' ? (KINDS[key[this.prefix.length]] ?? 'other') : 'other';
  }

  /** The digest in a record, tombstone or absence key. */
  digestOf(key: string): string {
    return key.slice(this.prefix.length + 2);
  }
}

const KINDS: Readonly<Record<string, CacheKeyKind>> = { s: 'record', r: 'tombstone', a: 'absent' };
