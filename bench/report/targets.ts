import type { Measurement } from '../measure/measurement.js';
import type { ScenarioName } from '../scenarios.js';
import type { ScaleResult } from '../scale/scale-result.js';
import { VARIANTS } from '../variants.js';
import { pairedRatio } from './aggregate.js';
import { formatRatio } from './table.js';

// The targets of issue 6, evaluated from the figures of the run itself (ratios within one run,
// medians of the rounds), never from numbers written down elsewhere.

export type TargetStatus = 'met' | 'missed' | 'not evaluated';

export interface TargetResult {
  target: string;
  status: TargetStatus;
  /** The figures behind the verdict. */
  detail: string;
}

/** "`variant` does at least `atLeast` × the requests per second of `versus` in `scenario`." */
export interface ThroughputTarget {
  scenario: ScenarioName;
  variant: string;
  versus: string;
  atLeast: number;
}

export const THROUGHPUT_TARGETS: readonly ThroughputTarget[] = [
  { scenario: 'read', variant: 'qsessions-cached-redis', versus: 'none', atLeast: 0.9 },
  { scenario: 'read', variant: 'qsessions-cached-memory', versus: 'none', atLeast: 0.92 },
  { scenario: 'read', variant: 'qsessions-db-pg', versus: 'connect-typeorm', atLeast: 2 },
  { scenario: 'read', variant: 'qsessions-db-pg', versus: 'connect-pg-simple', atLeast: 1.6 },
  { scenario: 'write', variant: 'qsessions-cached-redis', versus: 'connect-typeorm', atLeast: 2 },
  { scenario: 'write', variant: 'qsessions-cached-redis', versus: 'connect-pg-simple', atLeast: 1 },
  { scenario: 'login', variant: 'qsessions-cached-redis', versus: 'connect-typeorm', atLeast: 2 },
  { scenario: 'login', variant: 'qsessions-db-pg', versus: 'connect-typeorm', atLeast: 2 },
];

/** Peak RSS of every nest-qsessions variant, in every scenario, at most this × connect-redis's. */
export const RSS_LIMIT_VS_CONNECT_REDIS = 1.15;
export const RSS_REFERENCE_VARIANT = 'connect-redis';

/** list() p99 on the seeded table (1M rows), in ms. */
export const LIST_P99_LIMIT_MS = 5;

/**
 * "clearExpired memory flat", made measurable: deleting 500,000 rows in batches keeps the process
 * within this much RSS above where it started (holding the deleted rows would take far more) ...
 */
export const CLEAR_EXPIRED_PEAK_GROWTH_LIMIT_BYTES = 50 * 1024 * 1024;
/** ... and leaves at most this much more live heap (after a full GC) than before. */
export const CLEAR_EXPIRED_RETAINED_HEAP_LIMIT_BYTES = 5 * 1024 * 1024;

const MiB = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** Why a cell's figures cannot be trusted (crash, failed session check), or undefined. */
function brokenCell(measurements: readonly Measurement[], variant: string, scenario: ScenarioName): string | undefined {
  const broken = measurements.filter((m) => m.variant === variant && m.scenario === scenario && m.problems.length > 0);
  return broken.length > 0
    ? `${variant} ${scenario} had problems in round(s) ${broken.map((m) => m.round).join(', ')}`
    : undefined;
}

function faultCounts(measurements: readonly Measurement[], variants: string[], scenario: ScenarioName): string {
  const cells = measurements.filter((m) => variants.includes(m.variant) && m.scenario === scenario);
  const errors = cells.reduce((sum, m) => sum + (m.figures?.errors ?? 0), 0);
  const non2xx = cells.reduce((sum, m) => sum + (m.figures?.non2xx ?? 0), 0);
  return errors + non2xx > 0 ? `; caution: ${errors} errors and ${non2xx} non-2xx in these cells` : '';
}

export function evaluateThroughputTarget(measurements: readonly Measurement[], target: ThroughputTarget): TargetResult {
  const name = `${target.scenario}: ${target.variant} ≥ ${target.atLeast.toFixed(2)} × ${target.versus} (req/s)`;
  const broken =
    brokenCell(measurements, target.variant, target.scenario) ??
    brokenCell(measurements, target.versus, target.scenario);
  if (broken) return { target: name, status: 'not evaluated', detail: broken };
  const { median, perRound } = pairedRatio(
    measurements,
    target.scenario,
    target.variant,
    target.versus,
    'requestsPerSecond',
  );
  if (median === undefined) {
    return { target: name, status: 'not evaluated', detail: 'not both measured in one round (left out of this run?)' };
  }
  return {
    target: name,
    status: median >= target.atLeast ? 'met' : 'missed',
    detail:
      `${formatRatio(median)} (median of rounds: ${perRound.map((value) => value.toFixed(2)).join(', ')})` +
      faultCounts(measurements, [target.variant, target.versus], target.scenario),
  };
}

/** Every nest-qsessions variant against connect-redis, per scenario; the verdict is the worst ratio. */
export function evaluateRssTarget(measurements: readonly Measurement[]): TargetResult {
  const name = `peak RSS of every nest-qsessions variant ≤ ${RSS_LIMIT_VS_CONNECT_REDIS.toFixed(2)} × ${RSS_REFERENCE_VARIANT} (each scenario)`;
  const qsessions = VARIANTS.filter((variant) => variant.family === 'qsessions').map((variant) => variant.name);
  const scenarios = [...new Set(measurements.map((m) => m.scenario))];
  const worstPerVariant: string[] = [];
  let worst: number | undefined;
  for (const variant of qsessions) {
    let variantWorst: { ratio: number; scenario: ScenarioName } | undefined;
    for (const scenario of scenarios) {
      const { median } = pairedRatio(measurements, scenario, variant, RSS_REFERENCE_VARIANT, 'peakRssBytes');
      if (median !== undefined && (variantWorst === undefined || median > variantWorst.ratio)) {
        variantWorst = { ratio: median, scenario };
      }
    }
    if (!variantWorst) continue;
    worstPerVariant.push(`${variant} ${formatRatio(variantWorst.ratio)} (${variantWorst.scenario})`);
    worst = Math.max(worst ?? 0, variantWorst.ratio);
  }
  if (worst === undefined) {
    return {
      target: name,
      status: 'not evaluated',
      detail: `no nest-qsessions variant measured in a round with ${RSS_REFERENCE_VARIANT}`,
    };
  }
  return {
    target: name,
    status: worst <= RSS_LIMIT_VS_CONNECT_REDIS ? 'met' : 'missed',
    detail: `highest ratio per variant: ${worstPerVariant.join(', ')}`,
  };
}

export function evaluateListTarget(scale: ScaleResult | undefined): TargetResult {
  const name = `SessionService.list() p99 < ${LIST_P99_LIMIT_MS} ms (1M rows)`;
  if (!scale) return { target: name, status: 'not evaluated', detail: 'the scale part did not run' };
  return {
    target: name,
    status: scale.list.p99Ms < LIST_P99_LIMIT_MS ? 'met' : 'missed',
    detail:
      `p99 ${scale.list.p99Ms.toFixed(2)} ms, p50 ${scale.list.p50Ms.toFixed(2)} ms over ${scale.list.calls} calls` +
      (scale.listStatementAlone
        ? `; its SELECT alone: p99 ${scale.listStatementAlone.p99Ms.toFixed(2)} ms, p50 ${scale.listStatementAlone.p50Ms.toFixed(2)} ms`
        : '') +
      (scale.roundTripAlone
        ? `; SELECT 1: p99 ${scale.roundTripAlone.p99Ms.toFixed(2)} ms, p50 ${scale.roundTripAlone.p50Ms.toFixed(2)} ms`
        : ''),
  };
}

export function evaluateClearExpiredTarget(scale: ScaleResult | undefined): TargetResult {
  const name =
    `clearExpired() memory flat (peak RSS ≤ start + ${MiB(CLEAR_EXPIRED_PEAK_GROWTH_LIMIT_BYTES)}, ` +
    `retained heap ≤ ${MiB(CLEAR_EXPIRED_RETAINED_HEAP_LIMIT_BYTES)})`;
  if (!scale) return { target: name, status: 'not evaluated', detail: 'the scale part did not run' };
  const clear = scale.clearExpired;
  const growth = clear.peakRssBytes - clear.rssBeforeBytes;
  const retained = clear.heapUsedAfterBytes - clear.heapUsedBeforeBytes;
  const flat = growth <= CLEAR_EXPIRED_PEAK_GROWTH_LIMIT_BYTES && retained <= CLEAR_EXPIRED_RETAINED_HEAP_LIMIT_BYTES;
  return {
    target: name,
    status: flat ? 'met' : 'missed',
    detail:
      `RSS ${MiB(clear.rssBeforeBytes)} before, peak ${MiB(clear.peakRssBytes)} (+${MiB(growth)}), ` +
      `${MiB(clear.rssAfterBytes)} after; heap after GC ${MiB(clear.heapUsedBeforeBytes)} → ${MiB(clear.heapUsedAfterBytes)} ` +
      `(${retained >= 0 ? '+' : ''}${MiB(retained)}); ${clear.deleted} rows deleted`,
  };
}

export function evaluateTargets(measurements: readonly Measurement[], scale: ScaleResult | undefined): TargetResult[] {
  return [
    ...THROUGHPUT_TARGETS.map((target) => evaluateThroughputTarget(measurements, target)),
    evaluateRssTarget(measurements),
    evaluateListTarget(scale),
    evaluateClearExpiredTarget(scale),
  ];
}
