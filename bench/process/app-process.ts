import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { APP_ENV, isAppReadyMessage } from '../app/ipc.js';
import { trackChild } from './child-registry.js';

/** The compiled app entry point, next to this file's folder in bench/dist. */
const APP_MAIN = fileURLToPath(new URL('../app/main.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
/** Lines of the app's output kept to explain a failure. */
const OUTPUT_TAIL = 40;

export interface AppSettings {
  variant: string;
  redisPrefix: string;
  sqliteDir: string;
}

/** One app process (`node bench/dist/app/main.js`) serving one variant on 127.0.0.1. */
export class AppProcess {
  /** The port the app listens on (known once it is ready). */
  port = 0;
  readonly pid: number;
  private readonly outputTail: string[] = [];
  private exitDescription: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly variant: string,
  ) {
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
    });
    const keep = (stream: NodeJS.ReadableStream | null): void => {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (!line.trim()) continue;
          this.outputTail.push(line);
          if (this.outputTail.length > OUTPUT_TAIL) this.outputTail.shift();
          // The app's own warnings and errors go to stderr, never into the results table on stdout.
          process.stderr.write(`  [${variant}] ${line}\n`);
        }
      });
    };
    keep(child.stdout);
    keep(child.stderr);
  }

  /** Starts the app and resolves once it listens; rejects (with its output) if it dies or hangs first. */
  static async start(settings: AppSettings): Promise<AppProcess> {
    const child = spawn(process.execPath, [APP_MAIN], {
      env: {
        ...process.env,
        [APP_ENV.variant]: settings.variant,
        [APP_ENV.redisPrefix]: settings.redisPrefix,
        [APP_ENV.sqliteDir]: settings.sqliteDir,
        NODE_ENV: 'production',
        // Plain log lines: they are relayed to the benchmark's stderr and kept for error messages.
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    trackChild(child);
    const app = new AppProcess(child, settings.variant);
    try {
      app.port = await app.waitUntilReady();
      return app;
    } catch (error) {
      await app.stop();
      throw error;
    }
  }

  private waitUntilReady(): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.variant}: the app did not start within ${START_TIMEOUT_MS / 1000} s${this.tail()}`));
      }, START_TIMEOUT_MS);
      const onMessage = (message: unknown): void => {
        if (!isAppReadyMessage(message)) return;
        cleanup();
        resolve(message.port);
      };
      const onExit = (): void => {
        cleanup();
        // Let the output still in the pipes arrive before explaining.
        setImmediate(() =>
          reject(new Error(`${this.variant}: the app ${this.describeExit()} before it listened${this.tail()}`)),
        );
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** Whether the process has ended (crashed, or stopped). */
  get hasExited(): boolean {
    return this.exitDescription !== undefined;
  }

  describeExit(): string {
    return this.exitDescription ?? 'is running';
  }

  /** The last lines the app printed, for error messages. */
  tail(): string {
    return this.outputTail.length > 0 ? `; its last output:\n    ${this.outputTail.join('\n    ')}` : '';
  }

  /** SIGTERM (the app closes its connections), then SIGKILL if it has not exited after a grace period. */
  async stop(): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(killer);
  }
}
