import type { CacheEntries, CacheEntry } from './cache-entries.js';
import { deserializeKeyvData, serializeKeyvData } from './keyv-json.js';

/** The node-redis commands used here (the client @keyv/redis made from `cache.redisUrl`). */
export interface RedisCommands {
  mGet(keys: string[]): Promise<Array<string | null>>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  del(keys: string[]): Promise<number>;
  sendCommand(args: string[]): Promise<unknown>;
}

/** What Keyv stores under a key: the value and when it expires (epoch ms). */
interface KeyvRecord {
  value: unknown;
  expires?: number | null;
}

/**
 * {@link CacheEntries} straight on the Redis client, for `cache.redisUrl`.
 *
 * Why not through cache-manager and Keyv, as every other cache: on the cached hot paths their
 * layers (events, hooks, per-store promises) cost more CPU than the Redis command itself, and a
 * write then read must be two round trips. Here `setThenGet` sends both commands together: one
 * connection answers in order, so the read still sees the state after the write.
 *
 * Entries are written in Keyv's format (`{"value":…,"expires":…}`, the same text), so the
 * maintenance commands, which go through cache-manager, read and write the same keys.
 */
export class RedisEntries implements CacheEntries {
  constructor(
    /** The connected client, or a promise of it (connecting when needed, as @keyv/redis does). */
    private readonly client: () => RedisCommands | Promise<RedisCommands>,
    private readonly now: () => number = Date.now,
  ) {}

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    const texts = await (await this.client()).mGet([...keys]);
    const now = this.now();
    return texts.map((text) => decode(text, now));
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    const client = await this.client();
    // Issued together: the client sends them in one write and Redis answers them in order.
    await Promise.all(entries.map((entry) => this.write(client, entry)));
  }

  async setThenGet(entry: CacheEntry, readKey: string): Promise<unknown> {
    const client = await this.client();
    const [, text] = await Promise.all([this.write(client, entry), client.get(readKey)]);
    return decode(text, this.now());
  }

  async writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): Promise<void> {
    const client = await this.client();
    // Issued together, so sent together; Redis runs them in order.
    const writes = entries.map((entry) => this.write(client, entry));
    if (deleteKeys.length > 0) writes.push(client.del([...deleteKeys]));
    await Promise.all(writes);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await (await this.client()).del([...keys]);
  }

  async serverId(): Promise<string> {
    const info = String(await (await this.client()).sendCommand(['INFO', 'server']));
    const runId = /^run_id:(\w+)/m.exec(info)?.[1];
    if (!runId) throw new Error('Redis did not report its run_id (INFO server).');
    return runId;
  }

  private write(client: RedisCommands, { key, value, ttlMs }: CacheEntry): Promise<unknown> {
    if (ttlMs === undefined) return client.set(key, serializeKeyvData({ value }));
    // Redis takes whole milliseconds, at least one.
    const px = Math.max(1, Math.ceil(ttlMs));
    const text = serializeKeyvData({ value, expires: this.now() + px });
    return client.set(key, text, { expiration: { type: 'PX', value: px } });
  }
}

function decode(text: string | null, now: number): unknown {
  if (text === null) return undefined;
  const record = deserializeKeyvData<KeyvRecord>(text);
  // As Keyv reads it: past its expiry counts as absent even if Redis still holds it.
  if (typeof record?.expires === 'number' && record.expires < now) return undefined;
  return record?.value;
}
