import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, freePort, sendCommand } from './redis-server.js';
import { sleep } from './sleep.js';

/** The name the sentinels monitor the primary under. */
export const SENTINEL_MASTER_NAME = 'qsessions';

interface Node {
  port: number;
  child: ChildProcess | null;
}

/**
 * A real Redis Sentinel set-up of the test's own: a primary, a replica and three sentinels
 * (quorum 2) on free loopback ports, from Debian's redis-server and redis-sentinel. The test can
 * kill the primary (SIGKILL) and wait for the sentinels to promote the replica.
 */
export class SentinelTopology {
  private readonly dir = mkdtempSync(join(tmpdir(), 'qsessions-sentinel-'));

  private constructor(
    private readonly primary: Node,
    private readonly replica: Node,
    readonly sentinels: Node[],
  ) {}

  static async start(): Promise<SentinelTopology> {
    const node = async (): Promise<Node> => ({ port: await freePort(), child: null });
    const topology = new SentinelTopology(await node(), await node(), [await node(), await node(), await node()]);
    try {
      await topology.startAll();
    } catch (error) {
      await topology.destroy();
      throw error;
    }
    return topology;
  }

  /** The sentinels' addresses, as `cache.sentinel.sentinels` takes them. */
  get sentinelNodes(): Array<{ host: string; port: number }> {
    return this.sentinels.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** The port of the primary the sentinels name now. */
  async primaryPort(): Promise<number> {
    const reply = await sendCommand(this.sentinels[0]!.port, [
      'SENTINEL',
      'get-master-addr-by-name',
      SENTINEL_MASTER_NAME,
    ]);
    return Number((reply as string[])[1]);
  }

  /** The port of the first primary, killed by {@link killPrimary}. */
  get firstPrimaryPort(): number {
    return this.primary.port;
  }

  get replicaPort(): number {
    return this.replica.port;
  }

  /** Kills the first primary at once (SIGKILL): nothing it had not replicated survives. */
  async killPrimary(): Promise<void> {
    await stopNode(this.primary);
  }

  /** Resolves once the sentinels name another primary than `port` (the failover ended), or throws. */
  async waitForFailover(fromPort: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const port = await this.primaryPort().catch(() => fromPort);
      if (port !== fromPort) {
        const role = await sendCommand(port, ['ROLE']).catch(() => null);
        if (Array.isArray(role) && role[0] === 'master') return port;
      }
      await sleep(100);
    }
    throw new Error(`the sentinels did not fail over from port ${fromPort} within ${timeoutMs} ms`);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.primary, this.replica, ...this.sentinels].map(stopNode));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startAll(): Promise<void> {
    await startNode(this.primary, 'redis-server', this.serverArgs(this.primary));
    await startNode(this.replica, 'redis-server', [
      ...this.serverArgs(this.replica),
      '--replicaof',
      '127.0.0.1',
      String(this.primary.port),
    ]);
    await this.waitForReplication();
    for (const [index, sentinel] of this.sentinels.entries()) {
      const file = join(this.dir, `sentinel-${index}.conf`);
      // A sentinel rewrites its configuration file as it learns the topology: each has its own.
      writeFileSync(
        file,
        [
          `port ${sentinel.port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${this.primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      await startNode(sentinel, 'redis-sentinel', [file]);
    }
    await this.waitForSentinelsToKnowEachOther();
  }

  private serverArgs(node: Node): string[] {
    return ['--port', String(node.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
  }

  private async waitForReplication(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const info = String(await sendCommand(this.replica.port, ['INFO', 'replication']));
      if (/master_link_status:up/.test(info)) return;
      await sleep(50);
    }
    throw new Error('the replica did not connect to the primary');
  }

  /** A failover needs the quorum's agreement: every sentinel must have found the others and the replica. */
  private async waitForSentinelsToKnowEachOther(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const replies = await Promise.all(
        this.sentinels.map((sentinel) =>
          sendCommand(sentinel.port, ['SENTINEL', 'master', SENTINEL_MASTER_NAME]).catch(() => []),
        ),
      );
      const ready = replies.every((reply) => {
        const fields = fieldsOf(reply);
        return fields['num-other-sentinels'] === '2' && fields['num-slaves'] === '1';
      });
      if (ready) return;
      await sleep(100);
    }
    throw new Error('the three sentinels did not find each other and the replica');
  }
}

function fieldsOf(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}

async function startNode(node: Node, binary: string, args: string[]): Promise<void> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  node.child = child;
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('error', (error) => (output += String(error)));
  for (let i = 0; i < 100; i++) {
    if (await answers(node.port)) return;
    if (child.exitCode !== null || child.signalCode !== null) break;
    await sleep(50);
  }
  await stopNode(node);
  throw new Error(
    `${binary} did not start on port ${node.port} (install Debian's redis-server and redis-sentinel)` +
      (output ? `:\n${output}` : ''),
  );
}

async function stopNode(node: Node): Promise<void> {
  const child = node.child;
  node.child = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
