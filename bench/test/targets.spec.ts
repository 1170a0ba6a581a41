import type { Measurement } from '../measure/measurement.js';
import type { ScaleResult } from '../scale/scale-result.js';
import {
  evaluateClearExpiredTarget,
  evaluateListTarget,
  evaluateRssTarget,
  evaluateTargets,
  evaluateThroughputTarget,
  THROUGHPUT_TARGETS,
} from '../report/targets.js';
import type { ScenarioName } from '../scenarios.js';

// The TARGETS section of the benchmark report, evaluated from synthetic figures.

const MiB = 1024 * 1024;

function cell(
  round: number,
  variant: string,
  scenario: ScenarioName,
  figures: { rps?: number; rssMiB?: number; non2xx?: number },
  problems: string[] = [],
): Measurement {
  return {
    round,
    variant,
    scenario,
    problems,
    figures: {
      requests: 1000,
      seconds: 10,
      requestsPerSecond: figures.rps ?? 100,
      latencyP50Ms: 1,
      latencyP99Ms: 2,
      errors: 0,
      timeouts: 0,
      non2xx: figures.non2xx ?? 0,
      statusCounts: {},
      appCpuSeconds: 1,
      appCpuMicrosPerRequest: 100,
      driverCpuMicrosPerRequest: 10,
      peakRssBytes: (figures.rssMiB ?? 100) * MiB,
    },
  };
}

function scale(overrides: { p99Ms?: number; peakRssMiB?: number; heapAfterMiB?: number } = {}): ScaleResult {
  const timing = { calls: 500, p50Ms: 1, p99Ms: overrides.p99Ms ?? 2, maxMs: 3, sessionsPerCall: 50 };
  return {
    seed: { sessions: 1e6, users: 1e4, expired: 5e5, revokedUsers: 50, sessionsPerRevokedUser: 100, seconds: 30 },
    list: timing,
    listExplain: [],
    revokeAll: { ...timing, sessionsPerCall: 100 },
    clearExpired: {
      deleted: 500_000,
      seconds: 20,
      rowsPerSecond: 25_000,
      rssBeforeBytes: 200 * MiB,
      peakRssBytes: (overrides.peakRssMiB ?? 220) * MiB,
      rssAfterBytes: 210 * MiB,
      heapUsedBeforeBytes: 50 * MiB,
      heapUsedAfterBytes: (overrides.heapAfterMiB ?? 51) * MiB,
      samples: [],
    },
  };
}

const readVsNone = THROUGHPUT_TARGETS.find((t) => t.variant === 'qsessions-cached-redis' && t.versus === 'none')!;

describe('bench targets', () => {
  it('a throughput target is met by the median of the per-round ratios', () => {
    const measurements = [
      cell(1, 'none', 'read', { rps: 1000 }),
      cell(1, 'qsessions-cached-redis', 'read', { rps: 950 }),
      cell(2, 'none', 'read', { rps: 1000 }),
      cell(2, 'qsessions-cached-redis', 'read', { rps: 700 }),
      cell(3, 'none', 'read', { rps: 800 }),
      cell(3, 'qsessions-cached-redis', 'read', { rps: 760 }),
    ];
    const result = evaluateThroughputTarget(measurements, readVsNone);
    expect(result.status).toBe('met');
    expect(result.detail).toContain('0.95×');
    expect(result.detail).toContain('0.95, 0.70, 0.95');
  });

  it('a throughput target below its ratio is missed, with the figures', () => {
    const measurements = [
      cell(1, 'none', 'read', { rps: 1000 }),
      cell(1, 'qsessions-cached-redis', 'read', { rps: 850 }),
    ];
    expect(evaluateThroughputTarget(measurements, readVsNone)).toMatchObject({ status: 'missed' });
  });

  it('is not evaluated when a side was not run or had problems; non-2xx responses are called out', () => {
    expect(evaluateThroughputTarget([cell(1, 'none', 'read', { rps: 1000 })], readVsNone).status).toBe('not evaluated');
    const broken = [
      cell(1, 'none', 'read', { rps: 1000 }),
      cell(1, 'qsessions-cached-redis', 'read', { rps: 990 }, ['session check after the window failed']),
    ];
    expect(evaluateThroughputTarget(broken, readVsNone)).toMatchObject({ status: 'not evaluated' });
    const non2xx = [
      cell(1, 'none', 'read', { rps: 1000 }),
      cell(1, 'qsessions-cached-redis', 'read', { rps: 990, non2xx: 12 }),
    ];
    expect(evaluateThroughputTarget(non2xx, readVsNone).detail).toContain('12 non-2xx');
  });

  it('peak RSS: every nest-qsessions variant in every scenario against connect-redis; the worst decides', () => {
    const measurements = [
      cell(1, 'connect-redis', 'read', { rssMiB: 100 }),
      cell(1, 'qsessions-db-pg', 'read', { rssMiB: 110 }),
      cell(1, 'connect-redis', 'login', { rssMiB: 100 }),
      cell(1, 'qsessions-db-pg', 'login', { rssMiB: 114 }),
      cell(1, 'qsessions-cached-redis', 'read', { rssMiB: 105 }),
    ];
    const met = evaluateRssTarget(measurements);
    expect(met.status).toBe('met');
    expect(met.detail).toContain('qsessions-db-pg 1.14× (login)');
    measurements.push(cell(1, 'qsessions-cached-redis', 'login', { rssMiB: 120 }));
    expect(evaluateRssTarget(measurements)).toMatchObject({ status: 'missed' });
    expect(evaluateRssTarget([cell(1, 'qsessions-db-pg', 'read', {})]).status).toBe('not evaluated');
  });

  it('list() p99 must stay under 5 ms', () => {
    expect(evaluateListTarget(scale({ p99Ms: 4.9 })).status).toBe('met');
    expect(evaluateListTarget(scale({ p99Ms: 5 })).status).toBe('missed');
    expect(evaluateListTarget(undefined).status).toBe('not evaluated');
  });

  it("list()'s figures name what its SELECT alone took, when it was measured", () => {
    const alone = { calls: 500, p50Ms: 0.8, p99Ms: 6.5, maxMs: 9 };
    const missed = evaluateListTarget({ ...scale({ p99Ms: 6.1 }), listStatementAlone: alone });
    expect(missed.status).toBe('missed');
    expect(missed.detail).toBe('p99 6.10 ms, p50 1.00 ms over 500 calls; its SELECT alone: p99 6.50 ms, p50 0.80 ms');
    expect(evaluateListTarget(scale()).detail).not.toContain('alone');
    const roundTrip = { calls: 500, p50Ms: 0.3, p99Ms: 4.2, maxMs: 9 };
    expect(evaluateListTarget({ ...scale({ p99Ms: 6.1 }), roundTripAlone: roundTrip }).detail).toBe(
      'p99 6.10 ms, p50 1.00 ms over 500 calls; SELECT 1: p99 4.20 ms, p50 0.30 ms',
    );
  });

  it('clearExpired() is flat when neither the peak RSS nor the retained heap grows past its bound', () => {
    expect(evaluateClearExpiredTarget(scale()).status).toBe('met');
    expect(evaluateClearExpiredTarget(scale({ peakRssMiB: 200 + 51 })).status).toBe('missed');
    expect(evaluateClearExpiredTarget(scale({ heapAfterMiB: 50 + 6 })).status).toBe('missed');
    expect(evaluateClearExpiredTarget(undefined).status).toBe('not evaluated');
  });

  it('evaluates every target of the issue, in order', () => {
    const results = evaluateTargets([], undefined);
    expect(results).toHaveLength(THROUGHPUT_TARGETS.length + 3);
    expect(results.every((result) => result.status === 'not evaluated')).toBe(true);
  });
});
