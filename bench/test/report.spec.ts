import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Measurement } from '../measure/measurement.js';
import { summarizeCells } from '../report/aggregate.js';
import { freeResultsBase, renderMarkdown, type RunReport } from '../report/results-file.js';
import { markdownTable } from '../report/table.js';
import { evaluateTargets } from '../report/targets.js';
import type { ScaleResult } from '../scale/scale-result.js';

// The benchmark's results file (bench/report/results-file.ts and table.ts).

function cell(round: number, variant: string, requestsPerSecond: number): Measurement {
  return {
    round,
    variant,
    scenario: 'read',
    problems: variant === 'broken' ? ['the app exited with code 1 during the window'] : [],
    figures: {
      requests: requestsPerSecond * 10,
      seconds: 10,
      requestsPerSecond,
      latencyP50Ms: 5,
      latencyP99Ms: 20,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      statusCounts: {},
      appCpuSeconds: 2,
      appCpuMicrosPerRequest: 200,
      driverCpuMicrosPerRequest: 50,
      peakRssBytes: 128 * 1024 * 1024,
    },
  };
}

function report(measurements: Measurement[]): RunReport {
  return {
    date: '2026-11-26',
    kind: 'full',
    options: {
      duration: 10,
      warmup: 2,
      rounds: 1,
      connections: 50,
      smoke: false,
      skipScale: true,
      help: false,
      variants: ['none', 'qsessions-cached-redis', 'broken'],
      scenarios: ['read'],
    },
    peakRssMethod: 'clear_refs',
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      memoryGiB: 8,
      kernel: '6.1',
      node: 'v20.20.2',
      postgres: '15.20',
      redis: '7.0.15',
      loadAverageAtStart: 0.2,
      loadAverageAtEnd: 2.1,
      commit: 'abc1234',
      packages: { autocannon: '9.0.0' },
    },
    variantDescriptions: { none: 'no sessions' },
    scenarioDescriptions: { read: 'hot read' },
    measurements,
    cells: summarizeCells(measurements, ['none', 'qsessions-cached-redis', 'broken'], ['read']),
    targets: evaluateTargets(measurements, undefined),
    warnings: ['dist/ was rebuilt during the run'],
  };
}

describe('bench results file', () => {
  it('pads a Markdown table, right-aligning the numeric columns', () => {
    expect(
      markdownTable(
        ['name', 'n'],
        [
          ['a', '1'],
          ['bbbb', '100'],
        ],
        'lr',
      ),
    ).toBe(['| name |   n |', '|------|----:|', '| a    |   1 |', '| bbbb | 100 |'].join('\n'));
  });

  it('has the machine, settings, warnings, results with ratios, problems and the TARGETS section', () => {
    const markdown = renderMarkdown(
      report([cell(1, 'none', 1000), cell(1, 'qsessions-cached-redis', 950), cell(1, 'broken', 10)]),
    );
    expect(markdown).toContain('2 × Test CPU');
    expect(markdown).toContain('PostgreSQL 15.20; Redis 7.0.15');
    expect(markdown).toContain('- dist/ was rebuilt during the run');
    expect(markdown).toMatch(/\| read +\| qsessions-cached-redis +\| +950 \| +0\.95× \|/);
    expect(markdown).toContain('broken (!)');
    expect(markdown).toContain('- broken read, round 1: the app exited with code 1 during the window');
    expect(markdown).toMatch(/## TARGETS[\s\S]*read: qsessions-cached-redis ≥ 0\.90 × none \(req\/s\) +\| MET/);
    expect(markdown).toContain('Not run (--skip-scale or --smoke).');
  });
});

describe('bench results file names', () => {
  it("shows list()'s SELECT alone beside list() when the scale part measured it", () => {
    const timing = { calls: 500, p50Ms: 0.9, p99Ms: 5.4, maxMs: 11 };
    const scale: ScaleResult = {
      seed: { sessions: 1e6, users: 1e4, expired: 5e5, revokedUsers: 50, sessionsPerRevokedUser: 100, seconds: 14 },
      list: { ...timing, sessionsPerCall: 50 },
      listStatementAlone: { calls: 500, p50Ms: 0.7, p99Ms: 6.8, maxMs: 14 },
      listExplain: [],
      revokeAll: { ...timing, sessionsPerCall: 100 },
      clearExpired: {
        deleted: 5e5,
        seconds: 6,
        rowsPerSecond: 83_000,
        rssBeforeBytes: 100 * 2 ** 20,
        peakRssBytes: 110 * 2 ** 20,
        rssAfterBytes: 105 * 2 ** 20,
        heapUsedBeforeBytes: 20 * 2 ** 20,
        heapUsedAfterBytes: 20 * 2 ** 20,
        samples: [],
      },
    };
    const markdown = renderMarkdown({ ...report([cell(1, 'none', 1000)]), scale });
    expect(markdown).toMatch(
      /\| list\(\)'s SELECT alone \(DataSource\.query\) +\| +500 \| +0\.70 \| +6\.80 \| +14\.00 \|/,
    );
    expect(markdown).toContain("followed by list()'s own SELECT");
    expect(markdown).not.toContain('SELECT 1');
    scale.roundTripAlone = { calls: 500, p50Ms: 0.3, p99Ms: 4.2, maxMs: 9 };
    const withRoundTrip = renderMarkdown({ ...report([cell(1, 'none', 1000)]), scale });
    expect(withRoundTrip).toMatch(/\| SELECT 1 \(DataSource\.query\) +\| +500 \| +0\.30 \| +4\.20 \| +9\.00 \|/);
    expect(withRoundTrip).toContain('then `SELECT 1`, a round trip that reads nothing.');
    delete scale.roundTripAlone;
    delete scale.listStatementAlone;
    expect(renderMarkdown({ ...report([cell(1, 'none', 1000)]), scale })).not.toContain('SELECT alone');
  });

  it('never overwrites a run of the same day', () => {
    const folder = mkdtempSync(join(tmpdir(), 'bench-results-'));
    try {
      expect(freeResultsBase(folder, '2026-11-26')).toBe(`${folder}/2026-11-26`);
      writeFileSync(`${folder}/2026-11-26.md`, '');
      expect(freeResultsBase(folder, '2026-11-26')).toBe(`${folder}/2026-11-26-2`);
      writeFileSync(`${folder}/2026-11-26-2.json`, '');
      expect(freeResultsBase(folder, '2026-11-26')).toBe(`${folder}/2026-11-26-3`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
