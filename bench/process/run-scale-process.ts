import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScaleResult } from '../scale/scale-result.js';
import { trackChild } from './child-registry.js';

const SCALE_MAIN = fileURLToPath(new URL('../scale/run-scale.js', import.meta.url));

/**
 * Runs the scale script in its own process (so that its memory figures are its own, not the
 * benchmark's) and returns what it measured. Its progress goes to stderr.
 */
export async function runScaleProcess(): Promise<ScaleResult> {
  const folder = mkdtempSync(join(tmpdir(), 'qsessions-bench-scale-'));
  const out = join(folder, 'scale.json');
  try {
    const child = spawn(process.execPath, ['--expose-gc', SCALE_MAIN, '--out', out], {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' },
    });
    trackChild(child);
    const status = await new Promise<string | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        resolve(signal ? `killed by ${signal}` : code === 0 ? null : `exit code ${code}`),
      );
    });
    if (status) throw new Error(`the scale script failed (${status}); its output is above`);
    return JSON.parse(readFileSync(out, 'utf8')) as ScaleResult;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
