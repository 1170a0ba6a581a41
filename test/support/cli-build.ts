import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built bin, as package.json's "bin" names it. */
export const BIN = join(ROOT, 'dist/cli/main.js');

const LOCK = join(ROOT, 'test-output/.cli-build.lock');
const STALE_LOCK_MS = 5 * 60 * 1000;
// Jest's workers are children of the one Jest process of a run (and a run in band is that
// process itself, child of npm): the parent's pid tells one run from the next.
const RUN_ID = String(process.ppid);

/**
 * Runs `npm run build` once per test run. Several test files (Jest workers) call this at once:
 * a lock makes one of them build while the others wait, and a stamp makes the others use that
 * build, so that no second `rm -rf dist` pulls the bin out from under a test that runs it.
 */
export async function buildCli(): Promise<void> {
  await buildOnce('.cli-build.json', BIN, ['npm', 'run', 'build']);
}

/** The compiled sample app, as `npm run sample` runs it. */
export const SAMPLE_MAIN = join(ROOT, 'sample-app/dist/main.js');

/** Builds the library and then the sample app (against that build), once per test run. */
export async function buildSampleApp(): Promise<void> {
  await buildCli();
  await buildOnce('.sample-build.json', SAMPLE_MAIN, ['npx', 'tsc', '-p', 'sample-app/tsconfig.json']);
}

async function buildOnce(stampName: string, output: string, [command, ...args]: string[]): Promise<void> {
  const stamp = join(ROOT, 'test-output', stampName);
  await withLock(async () => {
    if (builtInThisRun(stamp, output)) return;
    try {
      await execFileAsync(command!, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      // tsc reports on stdout: show it, or the failure says nothing.
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${[command, ...args].join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
    }
    writeFileSync(stamp, JSON.stringify({ run: RUN_ID, builtAt: new Date().toISOString() }));
  });
}

function builtInThisRun(stamp: string, output: string): boolean {
  try {
    const written = JSON.parse(readFileSync(stamp, 'utf8')) as { run?: string };
    return written.run === RUN_ID && statSync(output).isFile();
  } catch {
    return false;
  }
}

async function withLock(work: () => Promise<void>): Promise<void> {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Held by another worker; a lock left by a killed run is taken over after a while.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    writeFileSync(join(LOCK, 'pid'), String(process.pid));
    await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
