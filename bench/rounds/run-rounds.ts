import { setTimeout as sleep } from 'node:timers/promises';
import { HTTP_DATABASE, REDIS_KEY_ROOT } from '../bench-config.js';
import { measureScenario } from '../measure/measure-scenario.js';
import type { Measurement } from '../measure/measurement.js';
import { libraryBuildFingerprint } from '../library-build.js';
import type { BenchOptions } from '../options.js';
import { AppProcess } from '../process/app-process.js';
import type { Scenario } from '../scenarios.js';
import { resetSchema } from '../services/postgres.js';
import { deleteKeys } from '../services/redis.js';
import type { Variant } from '../variants.js';
import { rotateForRound } from './round-order.js';

export interface RoundsSettings {
  options: BenchOptions;
  /** 'clear_refs': one process per variant and round; 'fresh-process': one per scenario too. */
  peakRssMethod: 'clear_refs' | 'fresh-process';
  /** Distinguishes this run's Redis keys. */
  runId: string;
  sqliteDir: string;
  /** The built library (dist/) that the apps import, watched when an app fails to start. */
  libraryDist: string;
  log(line: string): void;
}

/** All rounds of the HTTP benchmark; one Measurement per (round, variant, scenario), failed ones included. */
export async function runRounds(settings: RoundsSettings): Promise<Measurement[]> {
  const { options } = settings;
  const measurements: Measurement[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const order = rotateForRound(options.variants, round - 1);
    settings.log(`round ${round}/${options.rounds}: ${order.map((variant) => variant.name).join(', ')}`);
    for (const variant of order) {
      // With a resettable peak RSS, the scenarios share one process; otherwise each gets a fresh
      // one, so that its peak RSS is its own.
      const groups = settings.peakRssMethod === 'clear_refs' ? [options.scenarios] : options.scenarios.map((s) => [s]);
      for (const scenarios of groups)
        measurements.push(...(await runInOneProcess(settings, variant, scenarios, round)));
    }
  }
  return measurements;
}

async function runInOneProcess(
  settings: RoundsSettings,
  variant: Variant,
  scenarios: readonly Scenario[],
  round: number,
): Promise<Measurement[]> {
  const { options } = settings;
  const failed = (scenario: Scenario, problem: string): Measurement => ({
    round,
    variant: variant.name,
    scenario: scenario.name,
    problems: [problem],
  });
  const redisPrefix = `${REDIS_KEY_ROOT}${settings.runId}:${variant.name}:r${round}:`;
  let app: AppProcess;
  try {
    // Every process starts from an empty database schema (its tables are created at start-up).
    if (variant.needs.includes('postgres')) await resetSchema(HTTP_DATABASE);
    app = await startApp(settings, variant, redisPrefix);
  } catch (error) {
    settings.log(`  ${variant.name}: FAILED to start: ${(error as Error).message}`);
    return scenarios.map((scenario) => failed(scenario, `the app did not start: ${(error as Error).message}`));
  }

  const results: Measurement[] = [];
  try {
    for (const scenario of scenarios) {
      if (app.hasExited) {
        results.push(failed(scenario, `not measured: the app had ${app.describeExit()}${app.tail()}`));
        continue;
      }
      try {
        const outcome = await measureScenario(app, variant, scenario, {
          warmupSeconds: options.warmup,
          seconds: options.duration,
          connections: options.connections,
          resetPeakRss: settings.peakRssMethod === 'clear_refs',
        });
        results.push({ round, variant: variant.name, scenario: scenario.name, ...outcome });
        settings.log(progressLine(round, variant.name, scenario.name, outcome.figures, outcome.problems));
      } catch (error) {
        const exit = app.hasExited ? ` (the app ${app.describeExit()}${app.tail()})` : '';
        results.push(failed(scenario, `${(error as Error).message}${exit}`));
        settings.log(`  ${variant.name} ${scenario.name}: FAILED ${(error as Error).message}${exit}`);
      }
    }
  } finally {
    await app.stop();
    if (variant.needs.includes('redis')) {
      await deleteKeys(redisPrefix).catch((error: Error) =>
        settings.log(`  could not delete ${redisPrefix}*: ${error.message}`),
      );
    }
  }
  return results;
}

/**
 * Starts the app, once more if the first attempt fails: another job on this machine may be
 * rebuilding dist/ (`npm run build` empties it first) at that very moment, so the retry waits
 * until the build is back and has stopped changing.
 */
async function startApp(settings: RoundsSettings, variant: Variant, redisPrefix: string): Promise<AppProcess> {
  const start = (): Promise<AppProcess> =>
    AppProcess.start({ variant: variant.name, redisPrefix, sqliteDir: settings.sqliteDir });
  try {
    return await start();
  } catch (error) {
    settings.log(`  ${variant.name}: start failed, retrying once dist/ is complete: ${(error as Error).message}`);
    await waitForStableBuild(settings.libraryDist);
    return start();
  }
}

/** Waits (at most 90 s) until dist/ exists and has not changed for 3 s. */
async function waitForStableBuild(distFolder: string): Promise<void> {
  let last = '';
  let stableSince = Date.now();
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(500)) {
    const now = libraryBuildFingerprint(distFolder);
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (now !== 'missing' && Date.now() - stableSince >= 3000) {
      return;
    }
  }
}

function progressLine(
  round: number,
  variant: string,
  scenario: string,
  figures: Measurement['figures'],
  problems: string[],
): string {
  if (!figures) return `  r${round} ${variant.padEnd(24)} ${scenario.padEnd(8)} no figures`;
  const faults = figures.errors + figures.non2xx > 0 ? `  errors ${figures.errors} non-2xx ${figures.non2xx}` : '';
  return (
    `  r${round} ${variant.padEnd(24)} ${scenario.padEnd(8)} ${figures.requestsPerSecond.toFixed(0).padStart(6)} req/s` +
    `  p99 ${figures.latencyP99Ms.toFixed(1).padStart(6)} ms  CPU ${figures.appCpuMicrosPerRequest.toFixed(0).padStart(5)} µs/req` +
    `  peak RSS ${(figures.peakRssBytes / 1048576).toFixed(0).padStart(4)} MiB${faults}` +
    (problems.length > 0 ? `  PROBLEM: ${problems.join('; ')}` : '')
  );
}
