import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli-build.js';

/** What a run of the bin printed, and how it ended. */
export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The variables the commands read: a test gives them explicitly or not at all.
const COMMAND_VARIABLES = ['MAXMIND_LICENSE_KEY', 'GEOIP_PATH', 'QSESSIONS_GEOIP_URL_TEMPLATE', 'NODE_OPTIONS'];

/** Runs `node dist/cli/main.js ...args` as a user would (no TTY), and collects its output. */
export function runBin(
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    nodeArgs?: readonly string[];
    timeoutMs?: number;
    /** Sees the running process and what it writes to stderr (e.g. to interrupt it at some point). */
    onStderr?: (child: ChildProcess, stderrSoFar: string) => void;
  } = {},
): Promise<BinResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of COMMAND_VARIABLES) delete env[name];
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(child, stderr);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
