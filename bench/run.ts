import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HTTP_DATABASE, REDIS_KEY_ROOT } from './bench-config.js';
import { isFaulty } from './measure/measurement.js';
import { resetPeakRss } from './measure/proc-stats.js';
import { BenchUsageError, parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { killAllChildren } from './process/child-registry.js';
import { runScaleProcess } from './process/run-scale-process.js';
import { summarizeCells } from './report/aggregate.js';
import { libraryBuildFingerprint } from './library-build.js';
import { describeMachine } from './report/machine.js';
import { freeResultsBase, writeReport, type RunReport } from './report/results-file.js';
import { markdownTable, resultsTable } from './report/table.js';
import { evaluateTargets } from './report/targets.js';
import { runRounds } from './rounds/run-rounds.js';
import type { ScaleResult } from './scale/scale-result.js';
import { SCENARIOS } from './scenarios.js';
import { dropDatabase, postgresVersion, recreateDatabase } from './services/postgres.js';
import { deleteKeys, redisVersion } from './services/redis.js';
import type { ServiceName } from './variants.js';

// `npm run bench`: builds nothing itself (the npm script builds the library and bench/ first),
// runs the HTTP rounds, then the session-management-at-scale script, and writes the report.
// Progress goes to stderr; the results table (and the targets) to stdout.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function parseOptionsOrExit(): BenchOptions {
  try {
    const options = parseBenchOptions(process.argv.slice(2));
    if (options.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return options;
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
}

/**
 * Whether an app's peak RSS can be reset from here (Linux 4.0+, and permission to write another
 * process's clear_refs): tried on a throwaway child process.
 */
async function canResetPeakRss(): Promise<boolean> {
  const child = spawn('sleep', ['10'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  try {
    return child.pid !== undefined && resetPeakRss(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
}

function today(): string {
  const now = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const options = parseOptionsOrExit();
  if (process.platform !== 'linux') throw new Error('the benchmark reads /proc: it runs on Linux only');

  const needs = new Set<ServiceName>(options.variants.flatMap((variant) => variant.needs));
  if (!options.skipScale) needs.add('postgres');
  const services: { postgres?: string; redis?: string } = {};
  if (needs.has('postgres')) services.postgres = await postgresVersion();
  if (needs.has('redis')) services.redis = await redisVersion();
  const machine = describeMachine(ROOT, services);

  const peakRssMethod = (await canResetPeakRss()) ? 'clear_refs' : 'fresh-process';
  const buildAtStart = libraryBuildFingerprint(join(ROOT, 'dist'));
  const runId = startedAt.toString(36);
  const sqliteDir = mkdtempSync(join(tmpdir(), 'qsessions-bench-'));

  // Clean-up, on every way out: no app process, temp folder, database or Redis key left behind.
  const cleanUpSync = (): void => {
    killAllChildren();
    rmSync(sqliteDir, { recursive: true, force: true });
  };
  const cleanUpServices = async (): Promise<void> => {
    if (needs.has('postgres')) await dropDatabase(HTTP_DATABASE).catch(() => {});
    if (needs.has('redis')) await deleteKeys(REDIS_KEY_ROOT).catch(() => {});
  };
  process.once('exit', cleanUpSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`\nbench: ${signal}: stopping the app processes and removing the benchmark's databases and keys`);
      cleanUpSync();
      const deadline = setTimeout(() => process.exit(130), 5000);
      void cleanUpServices().finally(() => {
        clearTimeout(deadline);
        process.exit(130);
      });
    });
  }

  log(
    `bench: ${options.rounds} round(s) × ${options.variants.length} variants × ${options.scenarios.length} scenarios, ` +
      `${options.warmup} s warm-up + ${options.duration} s each, ${options.connections} connections; ` +
      `peak RSS by ${peakRssMethod}; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  if (needs.has('postgres')) await recreateDatabase(HTTP_DATABASE);
  // Keys an interrupted earlier run may have left.
  if (needs.has('redis')) await deleteKeys(REDIS_KEY_ROOT);

  const measurements = await runRounds({
    options,
    peakRssMethod,
    runId,
    sqliteDir,
    libraryDist: join(ROOT, 'dist'),
    log,
  });

  let scale: ScaleResult | undefined;
  let scaleFailure: string | undefined;
  if (!options.skipScale) {
    log('session management at scale (PostgreSQL, 1M rows)');
    try {
      scale = await runScaleProcess();
    } catch (error) {
      scaleFailure = (error as Error).message;
      log(`bench: ${scaleFailure}`);
    }
  }
  await cleanUpServices();
  machine.loadAverageAtEnd = loadavg()[0]!;

  const warnings: string[] = [];
  const buildAtEnd = libraryBuildFingerprint(join(ROOT, 'dist'));
  if (buildAtEnd !== buildAtStart) {
    warnings.push(
      `dist/ was rebuilt during the run (${buildAtStart} at the start, ${buildAtEnd} at the end), by another job: ` +
        'the nest-qsessions variants may not all have run the same library code.',
    );
  }
  if (machine.loadAverageAtStart > 1 || machine.loadAverageAtEnd > machine.cpus + 1) {
    warnings.push(
      `other work was running on the machine (load average ${machine.loadAverageAtStart.toFixed(2)} at the start, ` +
        `${machine.loadAverageAtEnd.toFixed(2)} at the end, on ${machine.cpus} CPUs): absolute figures are low and noisy; ` +
        'ratios within a round are the figures to read.',
    );
  }
  for (const warning of warnings) log(`bench: warning: ${warning}`);

  const variantNames = options.variants.map((variant) => variant.name);
  const cells = summarizeCells(
    measurements,
    variantNames,
    options.scenarios.map((scenario) => scenario.name),
  );
  const targets = evaluateTargets(measurements, scale);
  const date = today();
  const report: RunReport = {
    date,
    kind: options.smoke ? 'smoke' : 'full',
    options: { ...options, variants: variantNames, scenarios: options.scenarios.map((scenario) => scenario.name) },
    peakRssMethod,
    machine,
    variantDescriptions: Object.fromEntries(options.variants.map((variant) => [variant.name, variant.description])),
    scenarioDescriptions: Object.fromEntries(
      SCENARIOS.filter((scenario) => options.scenarios.includes(scenario)).map((s) => [s.name, s.description]),
    ),
    measurements,
    cells,
    scale,
    scaleFailure,
    targets,
    warnings,
    minutes: (Date.now() - startedAt) / 60_000,
  };
  // A smoke run checks the harness; its figures are too short to keep next to real results.
  const base = options.smoke
    ? join(ROOT, 'test-output', `bench-smoke-${date}`)
    : freeResultsBase(join(ROOT, 'bench', 'results'), date);
  const paths = writeReport(base, report);

  console.log(resultsTable(cells));
  console.log('');
  console.log(
    markdownTable(
      ['target', 'status', 'figures'],
      targets.map((target) => [target.target, target.status.toUpperCase(), target.detail]),
      'lll',
    ),
  );
  log(`\nbench: wrote ${paths.markdown} and ${paths.json} in ${report.minutes!.toFixed(1)} min`);

  const faulty = measurements.filter(isFaulty);
  if (faulty.length > 0) {
    log(
      `bench: ${faulty.length} cell(s) with errors, non-2xx responses or problems: ` +
        faulty.map((m) => `${m.variant}/${m.scenario} (round ${m.round})`).join(', '),
    );
  }
  if (options.smoke && (faulty.length > 0 || measurements.length === 0)) {
    log('bench: smoke FAILED');
    return 1;
  }
  if (scaleFailure) return 1;
  return 0;
}

// process.exit, not exitCode: a client some library left open must not keep a finished run alive.
try {
  process.exit(await main());
} catch (error) {
  killAllChildren();
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
