import type { CellFigures, Measurement } from '../measure/measurement.js';
import { median, ratio } from '../measure/stats.js';
import type { ScenarioName } from '../scenarios.js';
import { BASELINE_VARIANT } from '../variants.js';

// From per-round measurements to the figures of the report: the median of the rounds for each
// figure, and each ratio as the median of the per-round ratios (both variants measured in the
// same round, under the same background load of a shared machine).

/** The figures that are summarised and compared. */
export type Metric = 'requestsPerSecond' | 'latencyP50Ms' | 'latencyP99Ms' | 'appCpuMicrosPerRequest' | 'peakRssBytes';

export interface CellSummary {
  variant: string;
  scenario: ScenarioName;
  /** Rounds that produced figures. */
  rounds: number;
  median: Partial<Record<Metric, number>>;
  /** Median of the per-round ratios to the baseline (`none`) of the same round and scenario. */
  vsBaseline: Partial<Record<Metric, number>>;
  /** Totals over all rounds. */
  errors: number;
  non2xx: number;
  problems: string[];
}

const METRICS: readonly Metric[] = [
  'requestsPerSecond',
  'latencyP50Ms',
  'latencyP99Ms',
  'appCpuMicrosPerRequest',
  'peakRssBytes',
];

function figuresOf(
  measurements: readonly Measurement[],
  variant: string,
  scenario: ScenarioName,
): Map<number, CellFigures> {
  const byRound = new Map<number, CellFigures>();
  for (const measurement of measurements) {
    if (measurement.variant === variant && measurement.scenario === scenario && measurement.figures) {
      byRound.set(measurement.round, measurement.figures);
    }
  }
  return byRound;
}

/** Median over rounds of a figure of one cell. */
export function medianOfRounds(
  measurements: readonly Measurement[],
  variant: string,
  scenario: ScenarioName,
  metric: Metric,
): number | undefined {
  return median([...figuresOf(measurements, variant, scenario).values()].map((figures) => figures[metric]));
}

/**
 * `variant` ÷ `versus` for one figure, per round where both were measured, and the median of
 * those ratios.
 */
export function pairedRatio(
  measurements: readonly Measurement[],
  scenario: ScenarioName,
  variant: string,
  versus: string,
  metric: Metric,
): { median: number | undefined; perRound: number[] } {
  const mine = figuresOf(measurements, variant, scenario);
  const theirs = figuresOf(measurements, versus, scenario);
  const perRound: number[] = [];
  for (const [round, figures] of [...mine].sort(([a], [b]) => a - b)) {
    const value = ratio(figures[metric], theirs.get(round)?.[metric]);
    if (value !== undefined) perRound.push(value);
  }
  return { median: median(perRound), perRound };
}

/** One summary per (variant, scenario) that was run, in the given orders. */
export function summarizeCells(
  measurements: readonly Measurement[],
  variants: readonly string[],
  scenarios: readonly ScenarioName[],
): CellSummary[] {
  const summaries: CellSummary[] = [];
  for (const scenario of scenarios) {
    for (const variant of variants) {
      const cell = measurements.filter((m) => m.variant === variant && m.scenario === scenario);
      if (cell.length === 0) continue;
      const summary: CellSummary = {
        variant,
        scenario,
        rounds: cell.filter((m) => m.figures).length,
        median: {},
        vsBaseline: {},
        errors: cell.reduce((sum, m) => sum + (m.figures?.errors ?? 0), 0),
        non2xx: cell.reduce((sum, m) => sum + (m.figures?.non2xx ?? 0), 0),
        problems: cell.flatMap((m) => m.problems.map((problem) => `round ${m.round}: ${problem}`)),
      };
      for (const metric of METRICS) {
        summary.median[metric] = medianOfRounds(measurements, variant, scenario, metric);
        summary.vsBaseline[metric] = pairedRatio(measurements, scenario, variant, BASELINE_VARIANT, metric).median;
      }
      summaries.push(summary);
    }
  }
  return summaries;
}
