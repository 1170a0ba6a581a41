import { describeSessions, totalSkipped, type ExpressSessionImportReport } from '../import/import-report.js';
import type { TextOutput } from './cli-io.js';

/** How often progress is shown: redrawn in place on a terminal, as new lines otherwise (logs, cron mail). */
const TTY_INTERVAL_MS = 200;
const LINE_INTERVAL_MS = 2000;

/**
 * Shows how far an import is, after each batch: "Read 1500 sessions: 1200 imported, 300
 * skipped". Throttled, so that a large store writes a line every few seconds, not one per batch;
 * the final state is always shown.
 */
export class ImportProgress {
  private lastShownAt = Number.NEGATIVE_INFINITY;
  private lastShown = '';
  private latest = '';

  constructor(
    private readonly output: TextOutput,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the counts after a batch; shows them if the last update is old enough. */
  update(report: Readonly<ExpressSessionImportReport>): void {
    this.latest = describeProgress(report);
    const at = this.now();
    if (at - this.lastShownAt < (this.output.isTTY ? TTY_INTERVAL_MS : LINE_INTERVAL_MS)) return;
    this.lastShownAt = at;
    this.show(false);
  }

  /** Shows the final counts (unless already the last line shown), ending the line on a terminal. */
  finish(): void {
    if (this.latest === '') return;
    if (this.output.isTTY || this.latest !== this.lastShown) this.show(true);
    this.latest = '';
  }

  private show(final: boolean): void {
    this.lastShown = this.latest;
    if (this.output.isTTY) this.output.write(`\r${this.latest}\x1b[K${final ? '\n' : ''}`);
    else this.output.write(`${this.latest}\n`);
  }
}

function describeProgress(report: Readonly<ExpressSessionImportReport>): string {
  const imported = report.dryRun ? `${report.imported} to import` : `${report.imported} imported`;
  return `Read ${describeSessions(report.read)}: ${imported}, ${totalSkipped(report)} skipped`;
}
