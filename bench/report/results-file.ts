import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Measurement } from '../measure/measurement.js';
import type { BenchOptions } from '../options.js';
import type { ScaleResult, TimingSummary } from '../scale/scale-result.js';
import type { CellSummary } from './aggregate.js';
import type { MachineInfo } from './machine.js';
import { formatMegabytes, markdownTable, resultsTable } from './table.js';
import type { TargetResult } from './targets.js';

/** Everything a run produced: written as .json (raw, per round) and rendered as .md. */
export interface RunReport {
  date: string;
  kind: 'full' | 'smoke';
  options: Omit<BenchOptions, 'variants' | 'scenarios'> & { variants: string[]; scenarios: string[] };
  /** How peak RSS was taken (see measurementNotes). */
  peakRssMethod: 'clear_refs' | 'fresh-process';
  machine: MachineInfo;
  variantDescriptions: Record<string, string>;
  scenarioDescriptions: Record<string, string>;
  measurements: Measurement[];
  cells: CellSummary[];
  scale?: ScaleResult;
  scaleFailure?: string;
  targets: TargetResult[];
  /** What may make the figures less trustworthy (other load, library rebuilt mid-run). */
  warnings: string[];
  /** Wall-clock minutes of the whole run. */
  minutes?: number;
}

export function renderMarkdown(report: RunReport): string {
  const { machine, options } = report;
  const lines: string[] = [];
  lines.push(`# nest-qsessions benchmark, ${report.date}${report.kind === 'smoke' ? ' (smoke run)' : ''}`, '');
  lines.push(
    'Written by `npm run bench` (bench/run.ts). Every figure comes from this run; ratios compare variants ' +
      'measured in the same round.',
    '',
  );

  lines.push('## Machine', '');
  lines.push(`- ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}`);
  lines.push(
    `- Node ${machine.node}; PostgreSQL ${machine.postgres ?? '(not used)'}; Redis ${machine.redis ?? '(not used)'}`,
  );
  lines.push(
    `- 1-minute load average: ${machine.loadAverageAtStart.toFixed(2)} at the start, ` +
      `${machine.loadAverageAtEnd?.toFixed(2) ?? '?'} at the end (anything above ~1 before the run means other work was running)`,
  );
  lines.push(
    `- library commit ${machine.commit}${report.minutes ? `; the run took ${report.minutes.toFixed(1)} min` : ''}`,
  );
  lines.push(
    `- packages: ${Object.entries(machine.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  );
  lines.push('');
  if (report.warnings.length > 0) {
    lines.push('**Warnings**', '', ...report.warnings.map((warning) => `- ${warning}`), '');
  }

  lines.push('## Settings', '');
  lines.push(
    `- ${options.rounds} round(s); per variant and scenario ${options.warmup} s warm-up, then ${options.duration} s measured; ` +
      `${options.connections} connections, no pipelining, autocannon in the benchmark process on 127.0.0.1 ` +
      '(it shares the cores with the app, equally for every variant)',
  );
  lines.push(
    '- one app process (NestJS, Express adapter, NODE_ENV=production) per variant and round, fresh database schema each; ' +
      'the variant order rotates by one each round',
  );
  lines.push(
    '- each signed-in scenario first signs every connection in (one session per connection, users 1..100), ' +
      'then each connection sends its own cookie',
  );
  lines.push(
    '- req/s: responses in the window ÷ its length; p50/p99: autocannon latency; CPU/req: utime+stime of the app ' +
      'process (/proc/<pid>/stat) over the window ÷ responses; peak RSS: VmHWM (/proc/<pid>/status), ' +
      (report.peakRssMethod === 'clear_refs'
        ? 'reset to the current RSS right before each measured window (5 > /proc/<pid>/clear_refs)'
        : 'of a fresh process per scenario (clear_refs could not be written here)'),
  );
  lines.push(
    '- each figure: median of the rounds; "× none": median of the per-round ratios to `none` in the same scenario',
  );
  lines.push('', 'Variants:', '');
  for (const [name, description] of Object.entries(report.variantDescriptions))
    lines.push(`- \`${name}\`: ${description}`);
  lines.push('', 'Scenarios:', '');
  for (const [name, description] of Object.entries(report.scenarioDescriptions))
    lines.push(`- \`${name}\`: ${description}`);
  lines.push('');

  lines.push('## Results', '', resultsTable(report.cells), '');
  const problems = report.cells.flatMap((cell) =>
    cell.problems.map((problem) => `- ${cell.variant} ${cell.scenario}, ${problem}`),
  );
  if (problems.length > 0) lines.push('Problems (cells marked (!)):', '', ...problems, '');

  lines.push('## TARGETS', '');
  lines.push(
    markdownTable(
      ['target', 'status', 'figures'],
      report.targets.map((target) => [target.target, target.status.toUpperCase(), target.detail]),
      'lll',
    ),
    '',
  );

  lines.push('## Session management at scale (PostgreSQL)', '');
  if (report.scale) lines.push(...renderScale(report.scale));
  else lines.push(report.scaleFailure ? `Failed: ${report.scaleFailure}` : 'Not run (--skip-scale or --smoke).', '');
  return `${lines.join('\n')}\n`;
}

function renderScale(scale: ScaleResult): string[] {
  const { seed, list, revokeAll, clearExpired } = scale;
  const lines = [
    `Seeded ${seed.sessions.toLocaleString('en-US')} sessions for ${seed.users.toLocaleString('en-US')} users ` +
      `(${seed.expired.toLocaleString('en-US')} expired; each user owns ${seed.sessions / seed.users} rows, ` +
      `${(seed.sessions - seed.expired) / seed.users} live), plus ${seed.revokedUsers} users with ` +
      `${seed.sessionsPerRevokedUser} live sessions each for revokeAll(), in ${seed.seconds.toFixed(1)} s. ` +
      'Engine `db`, one Node process (a Nest application context), GeoIP off.',
    '',
    markdownTable(
      ['operation', 'calls', 'p50 ms', 'p99 ms', 'max ms', 'sessions per call'],
      [
        timingRow('list(user)', list, list.sessionsPerCall.toFixed(1)),
        ...(scale.listStatementAlone
          ? [
              timingRow(
                "list()'s SELECT alone (DataSource.query)",
                scale.listStatementAlone,
                list.sessionsPerCall.toFixed(1),
              ),
            ]
          : []),
        ...(scale.roundTripAlone ? [timingRow('SELECT 1 (DataSource.query)', scale.roundTripAlone, '—')] : []),
        timingRow('revokeAll(user)', revokeAll, revokeAll.sessionsPerCall.toFixed(1)),
      ],
      'lrrrrr',
    ),
    ...(scale.listStatementAlone
      ? [
          '',
          "Each list() call was followed by list()'s own SELECT, alone through `DataSource.query` for another user: " +
            'the database round trip without any library code, measured in the same moments' +
            (scale.roundTripAlone ? '; then `SELECT 1`, a round trip that reads nothing.' : '.'),
        ]
      : []),
    '',
    `clearExpired(): ${clearExpired.deleted.toLocaleString('en-US')} rows in ${clearExpired.seconds.toFixed(1)} s ` +
      `(${Math.round(clearExpired.rowsPerSecond).toLocaleString('en-US')} rows/s). RSS ${formatMegabytes(clearExpired.rssBeforeBytes)} MiB before, ` +
      `peak ${formatMegabytes(clearExpired.peakRssBytes)} MiB, ${formatMegabytes(clearExpired.rssAfterBytes)} MiB after; ` +
      `heap used after a full GC ${formatMegabytes(clearExpired.heapUsedBeforeBytes)} → ${formatMegabytes(clearExpired.heapUsedAfterBytes)} MiB ` +
      `(${clearExpired.samples.length} samples every 100 ms in the .json).`,
    '',
    'The query list() runs, as captured through a TypeORM logger, with `EXPLAIN (ANALYZE, BUFFERS)` on the seeded table:',
    '',
  ];
  for (const query of scale.listExplain) {
    lines.push(
      '```sql',
      query.sql,
      `-- parameters: ${JSON.stringify(query.parameters)}`,
      '```',
      '',
      '```',
      query.plan,
      '```',
      '',
    );
  }
  return lines;
}

/**
 * `<folder>/<date>`, or `<date>-2`, `<date>-3`... when a run of that day is already there: a
 * later run of the day (a partial one, say) never overwrites a kept result.
 */
export function freeResultsBase(folder: string, date: string): string {
  for (let attempt = 1; ; attempt++) {
    const base = `${folder}/${attempt === 1 ? date : `${date}-${attempt}`}`;
    if (!existsSync(`${base}.md`) && !existsSync(`${base}.json`)) return base;
  }
}

/** Writes `<base>.md` and `<base>.json`; returns both paths. */
export function writeReport(base: string, report: RunReport): { markdown: string; json: string } {
  mkdirSync(dirname(base), { recursive: true });
  const paths = { markdown: `${base}.md`, json: `${base}.json` };
  writeFileSync(paths.markdown, renderMarkdown(report));
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  return paths;
}

const ms = (value: number): string => value.toFixed(2);

/** One row of the scale table: calls, p50, p99 and max of `timing`, then `perCall`. */
function timingRow(operation: string, timing: TimingSummary, perCall: string): string[] {
  return [operation, String(timing.calls), ms(timing.p50Ms), ms(timing.p99Ms), ms(timing.maxMs), perCall];
}
