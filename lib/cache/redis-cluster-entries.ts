import type { CacheEntries, CacheEntry } from './cache-entries.js';
import { decode, runIdOf, writeEntry, type RedisCommands } from './redis-entries.js';

/** The part of node-redis's Cluster client needed to ask every primary. */
export interface ClusterPrimaries {
  readonly masters: ReadonlyArray<object>;
  nodeClient(node: object): RedisCommands | Promise<RedisCommands>;
}

/**
 * {@link CacheEntries} on a Redis Cluster (`cache.cluster`). A session's keys are in different
 * slots, so no command names two keys: each key is read, written or deleted on its own (node-redis
 * sends the commands of one turn to each primary together). Keys may live on different primaries,
 * which answer in no common order, so where order matters the second step waits for the first: a
 * write before the read that checks it, the writes of a revocation before its deletes.
 */
export class RedisClusterEntries implements CacheEntries {
  constructor(
    private readonly client: () => RedisCommands | Promise<RedisCommands>,
    private readonly cluster: () => ClusterPrimaries,
  ) {}

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    const client = await this.client();
    const texts = await Promise.all(keys.map((key) => client.get(key)));
    return texts.map(decode);
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    const client = await this.client();
    await Promise.all(entries.map((entry) => writeEntry(client, entry)));
  }

  async setThenGet(entry: CacheEntry, readKey: string): Promise<unknown> {
    const client = await this.client();
    await writeEntry(client, entry);
    return decode(await client.get(readKey));
  }

  async writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): Promise<void> {
    const client = await this.client();
    await Promise.all(entries.map((entry) => writeEntry(client, entry)));
    await Promise.all(deleteKeys.map((key) => client.del([key])));
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const client = await this.client();
    await Promise.all(keys.map((key) => client.del([key])));
  }

  /**
   * The identity of the whole cluster: every primary's `run_id`, in order. A primary that restarts
   * or is replaced by its replica changes it, so records cached before are read again.
   */
  async serverId(): Promise<string> {
    await this.client();
    const cluster = this.cluster();
    const runIds = await Promise.all(
      cluster.masters.map(async (master) => runIdOf(String(await (await cluster.nodeClient(master)).info('server')))),
    );
    if (runIds.length === 0) throw new Error('The Redis Cluster reported no primary.');
    return runIds.sort().join(',');
  }
}
