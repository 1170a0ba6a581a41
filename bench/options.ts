import { parseArgs } from 'node:util';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { BASELINE_VARIANT, VARIANTS, type Variant } from './variants.js';

/** Settings of one benchmark run, from the command line. */
export interface BenchOptions {
  /** Seconds of each measured window. */
  duration: number;
  /** Seconds of load before each measured window, not counted. */
  warmup: number;
  rounds: number;
  /** Concurrent autocannon connections (each with its own session). */
  connections: number;
  variants: Variant[];
  scenarios: Scenario[];
  smoke: boolean;
  skipScale: boolean;
  help: boolean;
}

export class BenchUsageError extends Error {}

/**
 * 50 connections: enough concurrency that a single Node process on 2 cores is kept busy while
 * its queries are in flight (each database variant's pool holds 10 connections, so requests
 * overlap their round trips), without turning p99 into a measure of queueing alone.
 */
export const DEFAULT_CONNECTIONS = 50;

/** The smoke run: every variant and scenario once, 1 s warm-up + 4 s measured, no scale part. */
const SMOKE = { duration: 4, warmup: 1, rounds: 1 } as const;

export const USAGE = `Usage: npm run bench -- [options]

  --duration <s>       measured seconds per variant and scenario (default 10)
  --warmup <s>         warm-up seconds before each measured window (default 2)
  --rounds <n>         rounds; the variant order rotates each round (default 3)
  --connections <n>    concurrent connections, each with its own session (default ${DEFAULT_CONNECTIONS})
  --variants a,b       subset of: ${VARIANTS.map((variant) => variant.name).join(', ')}
                       (${BASELINE_VARIANT} is always added: every ratio is taken against it)
  --scenarios a,b      subset of: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}
  --smoke              ${SMOKE.warmup} s warm-up + ${SMOKE.duration} s per variant and scenario, 1 round, no scale part;
                       exit 1 on any error or non-2xx; results go to test-output/
  --skip-scale         skip the session-management-at-scale part (1M rows on PostgreSQL)
  -h, --help           this text`;

export function parseBenchOptions(args: string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        rounds: { type: 'string' },
        connections: { type: 'string' },
        variants: { type: 'string' },
        scenarios: { type: 'string' },
        smoke: { type: 'boolean', default: false },
        'skip-scale': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const values = parsed.values;
  const smoke = values.smoke === true;
  return {
    duration: positiveNumber('--duration', values.duration, smoke ? SMOKE.duration : 10),
    warmup: nonNegativeNumber('--warmup', values.warmup, smoke ? SMOKE.warmup : 2),
    rounds: positiveInteger('--rounds', values.rounds, smoke ? SMOKE.rounds : 3),
    connections: positiveInteger('--connections', values.connections, DEFAULT_CONNECTIONS),
    variants: withBaseline(pick('--variants', values.variants, VARIANTS)),
    scenarios: pick('--scenarios', values.scenarios, SCENARIOS),
    smoke,
    // The smoke run is the CI check of the HTTP harness: it never runs the minutes-long scale part.
    skipScale: smoke || values['skip-scale'] === true,
    help: values.help === true,
  };
}

/** A comma-separated subset of `all`, kept in the catalogue's order (the run order within a round). */
function pick<T extends { name: string }>(flag: string, value: string | undefined, all: readonly T[]): T[] {
  if (value === undefined) return [...all];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !all.some((item) => item.name === name));
  if (unknown.length > 0) {
    throw new BenchUsageError(
      `${flag}: unknown ${unknown.join(', ')}; choose from ${all.map((item) => item.name).join(', ')}`,
    );
  }
  if (names.length === 0) throw new BenchUsageError(`${flag} needs at least one name`);
  return all.filter((item) => names.includes(item.name));
}

/** Every figure is reported as a ratio to the baseline of the same round, so it always runs. */
function withBaseline(variants: Variant[]): Variant[] {
  if (variants.some((variant) => variant.name === BASELINE_VARIANT)) return variants;
  return VARIANTS.filter((variant) => variant.name === BASELINE_VARIANT || variants.includes(variant));
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new BenchUsageError(`${flag} must be a positive number`);
  return number;
}

function nonNegativeNumber(flag: string, value: string | undefined, fallback: number): number {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(number) || number < 0) throw new BenchUsageError(`${flag} must be 0 or more`);
  return number;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(number) || number < 1) throw new BenchUsageError(`${flag} must be a whole number of 1 or more`);
  return number;
}
