import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis (or a sentinel) on `port` answers PING. */
export async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(300);
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** A reply of Redis, as {@link PrivateRedis.command} returns it (errors are thrown). */
export type RedisReply = string | number | null | RedisReply[];

/** Options of {@link PrivateRedis.start}. */
export interface PrivateRedisOptions {
  /**
   * Keep the data in an RDB file in a temporary folder of its own: nothing is saved by itself,
   * only by {@link PrivateRedis.save}, and {@link PrivateRedis.start} after {@link PrivateRedis.crash}
   * loads the file as it was at the last save. Default false (nothing ever reaches the disk).
   */
  persist?: boolean;
  /** Allow the DEBUG command (`--enable-debug-command yes`, Redis 7+), for {@link PrivateRedis.debugSleep}. */
  debug?: boolean;
}

/**
 * A real redis-server of the test's own, on its own port, that the test can stall (SIGSTOP),
 * resume, stop and start again without touching the shared Redis. With `persist`, it can also
 * snapshot its data (SAVE), crash (SIGKILL) and come back from the last snapshot; with `debug`,
 * it can be blocked from inside (DEBUG SLEEP) while its connections stay open.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  /** The folder of the RDB file (`persist`), removed by {@link destroy}. */
  private readonly dir: string | null;

  private constructor(
    readonly port: number,
    private readonly options: PrivateRedisOptions,
  ) {
    this.dir = options.persist ? mkdtempSync(join(tmpdir(), 'qsessions-redis-')) : null;
  }

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), options);
    try {
      await redis.start();
    } catch (error) {
      await redis.destroy();
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    if (this.dir) args.push('--dir', this.dir, '--dbfilename', 'dump.rdb');
    if (this.options.debug) args.push('--enable-debug-command', 'yes');
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => (output += String(error)));
    for (let i = 0; i < 100; i++) {
      if (await answers(this.port)) return;
      if (child.exitCode !== null || child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.stop();
    throw new Error(
      `redis-server did not start on port ${this.port} (is the redis-server binary installed, version 7 or later ` +
        `for \`debug\`?)${output ? `:\n${output}` : ''}`,
    );
  }

  /** Freezes the server: connections stay open, nothing is answered, data is kept. */
  stall(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops the server (its data is lost: it keeps nothing on disk). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /**
   * Kills the server at once (SIGKILL), saving nothing: with `persist`, {@link start} then comes
   * back with the data of the last {@link save}, and whatever was written since is gone.
   */
  async crash(): Promise<void> {
    await this.stop();
  }

  /** Writes a snapshot of the data now (SAVE), for {@link start} after a {@link crash}. Needs `persist`. */
  async save(): Promise<void> {
    if (!this.dir) throw new Error('PrivateRedis.save() needs the `persist` option');
    const reply = await this.command('SAVE');
    if (reply !== 'OK') throw new Error(`SAVE answered ${JSON.stringify(reply)}`);
  }

  /**
   * Blocks the server for `seconds` (DEBUG SLEEP): its connections stay open and nothing is
   * answered meanwhile. Resolves once it answers again. Needs `debug`.
   */
  async debugSleep(seconds: number): Promise<void> {
    if (!this.options.debug) throw new Error('PrivateRedis.debugSleep() needs the `debug` option');
    await this.command('DEBUG', 'SLEEP', String(seconds));
  }

  /** Sends one command on a connection of its own and returns the reply (an error reply is thrown). */
  command(...args: string[]): Promise<RedisReply> {
    return sendCommand(this.port, args);
  }

  /** Stops the server and removes its RDB folder, if any. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One command in RESP over a fresh connection to 127.0.0.1:`port`; resolves with the parsed reply. */
export function sendCommand(port: number, args: string[]): Promise<RedisReply> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    let settled = false;
    const settle = (error: Error | null, reply?: RedisReply) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed: { reply: RedisReply | Error; end: number } | null;
      try {
        parsed = parseReply(buffer, 0);
      } catch (error) {
        return settle(error as Error);
      }
      if (!parsed) return; // incomplete: wait for more
      if (parsed.reply instanceof Error) settle(parsed.reply);
      else settle(null, parsed.reply);
    });
    socket.once('error', (error) => settle(error));
    socket.once('close', () => settle(new Error(`redis-server on port ${port} closed before answering ${args[0]}`)));
    socket.connect(port, '127.0.0.1', () => {
      const parts = [`*${args.length}\r\n`];
      for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
      socket.write(parts.join(''));
    });
  });
}

/** The RESP2 reply starting at `start`, or null when `buffer` does not hold all of it yet. */
function parseReply(buffer: Buffer, start: number): { reply: RedisReply | Error; end: number } | null {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd === -1) return null;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new Error(`Redis: ${line}`), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return null;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: RedisReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at);
        if (!item) return null;
        if (item.reply instanceof Error) throw item.reply;
        items.push(item.reply);
        at = item.end;
      }
      return { reply: items, end: at };
    }
    default:
      throw new Error(`unexpected reply from Redis: ${JSON.stringify(buffer.toString('utf8', start, lineEnd))}`);
  }
}
