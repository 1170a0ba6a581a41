import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** What the figures were measured on. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres?: string;
  redis?: string;
  /** 1-minute load average when the run started and when it ended: other work on the machine shows here. */
  loadAverageAtStart: number;
  loadAverageAtEnd?: number;
  /** Commit of the library, and whether lib/ had uncommitted changes. */
  commit: string;
  /** Versions of the packages under test and of the load generator. */
  packages: Record<string, string>;
}

const PACKAGES = [
  'autocannon',
  '@nestjs/core',
  '@nestjs/platform-express',
  'typeorm',
  'express-session',
  'connect-redis',
  'redis',
  'connect-pg-simple',
  'connect-typeorm',
  'pg',
  'better-sqlite3',
  '@keyv/redis',
];

function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

function gitCommit(root: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${head} (lib/ with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(root: string, services: { postgres?: string; redis?: string }): MachineInfo {
  const processors = cpus();
  return {
    cpus: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    ...services,
    loadAverageAtStart: loadavg()[0]!,
    commit: gitCommit(root),
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(root, name)])),
  };
}
