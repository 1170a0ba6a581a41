import type { Measurement } from '../measure/measurement.js';
import { isFaulty } from '../measure/measurement.js';
import { median, percentile, ratio } from '../measure/stats.js';
import { medianOfRounds, pairedRatio, summarizeCells } from '../report/aggregate.js';
import { rotateForRound } from '../rounds/round-order.js';

// Medians, percentiles and the per-round ratios of the benchmark report.

function cell(
  round: number,
  variant: string,
  requestsPerSecond: number,
  extra: Partial<Measurement> = {},
): Measurement {
  return {
    round,
    variant,
    scenario: 'read',
    problems: [],
    figures: {
      requests: requestsPerSecond * 10,
      seconds: 10,
      requestsPerSecond,
      latencyP50Ms: 1,
      latencyP99Ms: 2,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      statusCounts: { '200': requestsPerSecond * 10 },
      appCpuSeconds: 1,
      appCpuMicrosPerRequest: 1e6 / (requestsPerSecond * 10),
      driverCpuMicrosPerRequest: 10,
      peakRssBytes: 100 * 1024 * 1024,
    },
    ...extra,
  };
}

describe('bench statistics', () => {
  it('median: middle value, mean of the two middle ones, undefined for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(median([Number.NaN, 5])).toBe(5);
  });

  it('percentile: nearest rank, always a measured value', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1); // 1..100
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile(values, 0)).toThrow(RangeError);
  });

  it('ratio: undefined when a side is missing or the divisor is not positive', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeUndefined();
    expect(ratio(undefined, 2)).toBeUndefined();
  });

  it('a ratio between variants is the median of the per-round ratios, not the ratio of the medians', () => {
    // The machine got busier each round: both variants slow down together.
    const measurements = [
      cell(1, 'none', 1000),
      cell(1, 'a', 900),
      cell(2, 'none', 500),
      cell(2, 'a', 480),
      cell(3, 'none', 100),
      cell(3, 'a', 40),
    ];
    const { median: value, perRound } = pairedRatio(measurements, 'read', 'a', 'none', 'requestsPerSecond');
    expect(perRound).toEqual([0.9, 0.96, 0.4]);
    expect(value).toBeCloseTo(0.9);
    // The ratio of the medians would say 480 / 500 = 0.96.
    expect(medianOfRounds(measurements, 'a', 'read', 'requestsPerSecond')).toBe(480);
  });

  it('a ratio only pairs rounds where both variants produced figures', () => {
    const measurements = [
      cell(1, 'none', 1000),
      cell(1, 'a', 500),
      cell(2, 'none', 1000),
      { round: 2, variant: 'a', scenario: 'read', problems: ['the app did not start'] } as Measurement,
    ];
    expect(pairedRatio(measurements, 'read', 'a', 'none', 'requestsPerSecond')).toEqual({
      median: 0.5,
      perRound: [0.5],
    });
  });

  it('summarizes each cell: medians, ratios to none, totals of errors and every problem', () => {
    const measurements = [
      cell(1, 'none', 1000),
      cell(1, 'a', 500, { problems: ['session check failed'] }),
      cell(2, 'none', 800),
      cell(2, 'a', 600),
    ];
    measurements[3]!.figures!.non2xx = 7;
    const [none, a] = summarizeCells(measurements, ['none', 'a'], ['read']);
    expect(none!.vsBaseline.requestsPerSecond).toBe(1);
    expect(a).toMatchObject({ variant: 'a', rounds: 2, non2xx: 7, problems: ['round 1: session check failed'] });
    expect(a!.median.requestsPerSecond).toBe(550);
    expect(a!.vsBaseline.requestsPerSecond).toBeCloseTo((0.5 + 0.75) / 2);
  });

  it('a cell is faulty with any error, non-2xx response or problem', () => {
    expect(isFaulty(cell(1, 'a', 100))).toBe(false);
    expect(isFaulty(cell(1, 'a', 100, { problems: ['x'] }))).toBe(true);
    const withErrors = cell(1, 'a', 100);
    withErrors.figures!.errors = 1;
    expect(isFaulty(withErrors)).toBe(true);
    expect(isFaulty({ round: 1, variant: 'a', scenario: 'read', problems: [] })).toBe(true);
  });

  it('rotates the variant order by one place per round', () => {
    expect(rotateForRound(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotateForRound(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotateForRound(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(rotateForRound([], 2)).toEqual([]);
  });
});
