import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, SAMPLE_MAIN } from './cli-build.js';

/** A compiled sample app running in its own Node process (`node sample-app/dist/main.js`). */
export interface SampleProcess {
  url: string;
  /** Everything it wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after a while; resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once: a crashed instance. */
  kill(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/**
 * Starts the built sample app (see buildSampleApp) in a child process with the given
 * environment and resolves once it listens (the URL it prints), so that several real app
 * processes can share one database and one Redis as they would in production.
 */
export function startSampleProcess(env: Record<string, string>): Promise<SampleProcess> {
  const { NODE_OPTIONS: _jestOptions, ...inherited } = process.env;
  const child = spawn(process.execPath, [SAMPLE_MAIN], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sample app did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /nest-qsessions sample app: (http:\/\/\S+?)\/?\s/.exec(output);
      if (!found) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.on('data', (more: Buffer) => (output += more.toString()));
      resolve({
        url: found[1]!,
        output: () => output,
        stop: () => terminate(child, exited, 'SIGTERM'),
        kill: () => terminate(child, exited, 'SIGKILL'),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the sample app exited (${signal ?? code}) before listening:\n${output}`));
    });
  });
}

async function terminate(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}
