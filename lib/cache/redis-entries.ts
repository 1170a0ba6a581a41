import type { CacheEntries, CacheEntry } from './cache-entries.js';

/** The node-redis commands used here (the client @keyv/redis made for `cache.redisUrl` or `cache.sentinel`). */
export interface RedisCommands {
  mGet(keys: string[]): Promise<Array<string | null>>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  del(keys: string[]): Promise<number>;
  /** INFO: named, not sent through `sendCommand`, whose arguments differ on the Sentinel client. */
  info(section: string): Promise<unknown>;
}

/**
 * {@link CacheEntries} straight on the Redis client (`cache.redisUrl`, `cache.sentinel`), not through cache-manager
 * and Keyv, whose layers cost more CPU than the command itself and need two round trips for a
 * write then read; here `setThenGet` sends both together (one connection answers in order).
 *
 * Values are the library's own format: the JSON of the value, its lifetime kept by Redis (`PX`).
 * A value in another format (Keyv's envelope, left by earlier versions) is not a record, so a
 * record key holding one is a miss and the database answers.
 */
export class RedisEntries implements CacheEntries {
  constructor(
    /** The connected client, or a promise of it (connecting when needed, as @keyv/redis does). */
    private readonly client: () => RedisCommands | Promise<RedisCommands>,
  ) {}

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    const texts = await (await this.client()).mGet([...keys]);
    return texts.map(decode);
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    const client = await this.client();
    // Issued together: the client sends them in one write and Redis answers them in order.
    await Promise.all(entries.map((entry) => writeEntry(client, entry)));
  }

  async setThenGet(entry: CacheEntry, readKey: string): Promise<unknown> {
    const client = await this.client();
    const [, text] = await Promise.all([writeEntry(client, entry), client.get(readKey)]);
    return decode(text);
  }

  async writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): Promise<void> {
    const client = await this.client();
    // Issued together, so sent together; Redis runs them in order.
    const writes = entries.map((entry) => writeEntry(client, entry));
    if (deleteKeys.length > 0) writes.push(client.del([...deleteKeys]));
    await Promise.all(writes);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await (await this.client()).del([...keys]);
  }

  async serverId(): Promise<string> {
    const info = String(await (await this.client()).info('server'));
    return runIdOf(info);
  }
}

/** Writes one entry (its JSON, its lifetime kept by Redis). */
export function writeEntry(client: RedisCommands, { key, value, ttlMs }: CacheEntry): Promise<unknown> {
  const text = JSON.stringify(value);
  if (ttlMs === undefined) return client.set(key, text);
  // Redis takes whole milliseconds, at least one.
  return client.set(key, text, { expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) } });
}

/** The value of a text read; a text that is not JSON comes back as it is (present, never a record). */
export function decode(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The server's `run_id` in the reply to INFO server. */
export function runIdOf(info: string): string {
  const runId = /^run_id:(\w+)/m.exec(info)?.[1];
  if (!runId) throw new Error('Redis did not report its run_id (INFO server).');
  return runId;
}
