import type { CellSummary } from './aggregate.js';

// The results table, in Markdown (readable as is on a terminal: columns are padded).

/** A Markdown table with padded columns; `align` per column ('r' right-aligns numbers). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align: string): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const pad = (text: string, column: number): string =>
    align[column] === 'r' ? text.padStart(widths[column]!) : text.padEnd(widths[column]!);
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => pad(cell, column)).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (align[column] === 'r' ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map((row) => line(row))].join('\n');
}

export function formatNumber(value: number | undefined, digits = 0): string {
  return value === undefined ? '–' : value.toFixed(digits);
}

export function formatRatio(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(2)}×`;
}

export function formatMegabytes(bytes: number | undefined): string {
  return bytes === undefined ? '–' : (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * One row per scenario and variant: medians of the rounds, and "× none" = median of the
 * per-round ratios to the variant without sessions.
 */
export function resultsTable(cells: readonly CellSummary[]): string {
  const header = [
    'scenario',
    'variant',
    'req/s',
    '× none',
    'p50 ms',
    '× none',
    'p99 ms',
    '× none',
    'CPU µs/req',
    '× none',
    'peak RSS MiB',
    '× none',
    'errors / non-2xx',
  ];
  const rows = cells.map((cell) => [
    cell.scenario,
    cell.problems.length > 0 ? `${cell.variant} (!)` : cell.variant,
    formatNumber(cell.median.requestsPerSecond),
    formatRatio(cell.vsBaseline.requestsPerSecond),
    formatNumber(cell.median.latencyP50Ms, 1),
    formatRatio(cell.vsBaseline.latencyP50Ms),
    formatNumber(cell.median.latencyP99Ms, 1),
    formatRatio(cell.vsBaseline.latencyP99Ms),
    formatNumber(cell.median.appCpuMicrosPerRequest),
    formatRatio(cell.vsBaseline.appCpuMicrosPerRequest),
    formatMegabytes(cell.median.peakRssBytes),
    formatRatio(cell.vsBaseline.peakRssBytes),
    `${cell.errors} / ${cell.non2xx}`,
  ]);
  return markdownTable(header, rows, 'llrrrrrrrrrrr');
}
