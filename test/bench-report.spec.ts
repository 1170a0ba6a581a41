import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Measurement } from '../bench/measure/measurement.js';
import { summarizeCells } from '../bench/report/aggregate.js';
import { freeResultsBase, renderMarkdown, type RunReport } from '../bench/report/results-file.js';
import { markdownTable } from '../bench/report/table.js';
import { evaluateTargets } from '../bench/report/targets.js';

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
