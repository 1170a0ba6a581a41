import type { SessionRecord } from '../session/session-record.js';
import { LruCache } from '../util/lru-cache.js';

/**
 * A session record as every cache holds it: flat, short keys, dates as epoch milliseconds, no
 * digest (it is in the key). Flat because in-process entries end up in V8's old generation, whose
 * size is what the process grows by while sessions churn; short keys because Redis stores the names.
 */
export interface CachedRecord {
  /** The epoch this entry was cached under (see KeyValueSessionCache.invalidateUserSessions). */
  ep?: number;
  d: string;
  u: string | number | null;
  i: string | null;
  a: string | null;
  e: number;
  c: number;
  m: number;
  /** reauthenticatedAt (absent: null, as in entries of earlier versions). */
  r?: number;
  /** label (absent: null). */
  l?: string;
  /** clientHints (absent: null). */
  h?: string;
}

/** Whether a value read from a cache is a record (anything else, such as an older format, is a miss). */
export function isCachedRecord(value: unknown): value is CachedRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<CachedRecord>;
  return typeof record.d === 'string' && typeof record.e === 'number';
}

/** The cached form of `record`, under `epoch`. */
export function toCached(record: SessionRecord, epoch: number, texts: SharedTexts | null): CachedRecord {
  const cached: CachedRecord = {
    d: record.data,
    u: record.userId,
    i: texts ? texts.share(record.ip) : record.ip,
    a: texts ? texts.share(record.userAgent) : record.userAgent,
    e: record.expireDate.getTime(),
    c: record.createdAt.getTime(),
    m: record.updatedAt.getTime(),
    ep: epoch,
  };
  if (record.reauthenticatedAt) cached.r = record.reauthenticatedAt.getTime();
  if (record.label !== null) cached.l = record.label;
  if (record.clientHints !== null) cached.h = texts ? texts.share(record.clientHints)! : record.clientHints;
  return cached;
}

/** A new record from a cached one (the caller owns what it gets, whoever else holds the entry). */
export function fromCached(digest: string, cached: CachedRecord): SessionRecord {
  return {
    digest,
    data: cached.d,
    userId: cached.u ?? null,
    ip: cached.i ?? null,
    userAgent: cached.a ?? null,
    expireDate: new Date(cached.e),
    createdAt: new Date(cached.c ?? cached.e),
    updatedAt: new Date(cached.m ?? cached.e),
    reauthenticatedAt: typeof cached.r === 'number' ? new Date(cached.r) : null,
    label: typeof cached.l === 'string' ? cached.l : null,
    clientHints: typeof cached.h === 'string' ? cached.h : null,
  };
}

/**
 * One copy of each recent User-Agent, IP and Client Hints text, for records kept in this process:
 * each request brings its own copy of the header, and ten thousand sessions from one browser
 * would otherwise hold ten thousand copies.
 */
export class SharedTexts extends LruCache<string, string> {
  constructor() {
    super(1024);
  }

  /** The kept copy of `text` when there is one; otherwise `text`, kept for the next record. */
  share(text: string | null): string | null {
    if (text === null) return null;
    const kept = this.get(text);
    if (kept !== undefined) return kept;
    this.set(text, text);
    return text;
  }
}
