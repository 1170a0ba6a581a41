import type { ExpressSessionStoreKind } from './legacy-session-source.js';

/** Why a session of the express-session store was not imported. */
export type ImportSkipReason =
  'alreadyImported' | 'expired' | 'ended' | 'undecodable' | 'empty' | 'tooLarge' | 'unknownUser';

/** Every skip reason with what it means, in the order reports list them. */
export const IMPORT_SKIP_REASONS: ReadonlyArray<readonly [ImportSkipReason, string]> = [
  ['alreadyImported', 'already imported (by an earlier run)'],
  ['expired', 'expired'],
  ['ended', 'ended (logged out, or deleted while the import ran)'],
  ['undecodable', 'undecodable (not express-session JSON)'],
  ['empty', 'empty (no data besides the cookie)'],
  ['tooLarge', 'too large (data over maxDataBytes)'],
  ['unknownUser', 'unknown user (no such row in the user table)'],
];

/** What an import did (or, in a dry run, would do). */
export interface ExpressSessionImportReport {
  /** The store imported from. */
  from: ExpressSessionStoreKind;
  /** Where the sessions were read, fit to print (no password). */
  source: string;
  /** True when nothing was written. */
  dryRun: boolean;
  /** Sessions read from the store. */
  read: number;
  /** Sessions imported (in a dry run: that would be). */
  imported: number;
  /** Sessions left behind, by reason. */
  skipped: Record<ImportSkipReason, number>;
  /**
   * Problems writing to the session cache (the database rows were written: the app reads them on
   * a cache miss, so no session is lost). Empty without a cache.
   */
  cacheProblems: string[];
}

/** A report with nothing counted yet. */
export function emptyImportReport(
  from: ExpressSessionStoreKind,
  source: string,
  dryRun: boolean,
): ExpressSessionImportReport {
  const skipped = Object.fromEntries(IMPORT_SKIP_REASONS.map(([reason]) => [reason, 0])) as Record<
    ImportSkipReason,
    number
  >;
  return { from, source, dryRun, read: 0, imported: 0, skipped, cacheProblems: [] };
}

/** How many sessions were skipped, for every reason together. */
export function totalSkipped(report: ExpressSessionImportReport): number {
  return Object.values(report.skipped).reduce((sum, count) => sum + count, 0);
}

/** "1 session", "12 sessions". */
export function describeSessions(count: number): string {
  return `${count} session${count === 1 ? '' : 's'}`;
}

/**
 * The report as text, one fact per line (what `qsessions import` prints), e.g.:
 *
 *     Imported 1200 sessions from connect-redis (Redis at redis://127.0.0.1:6379, key prefix "sess:").
 *     Skipped 35 sessions:
 *       30 expired
 *        5 unknown user (no such row in the user table)
 */
export function formatImportReport(report: ExpressSessionImportReport): string {
  const lines = [
    report.dryRun
      ? `Dry run: would import ${describeSessions(report.imported)} from ${report.source}. Nothing was written.`
      : `Imported ${describeSessions(report.imported)} from ${report.source}.`,
  ];
  const skipped = totalSkipped(report);
  if (skipped === 0) {
    lines.push(`Skipped none (${describeSessions(report.read)} read).`);
  } else {
    lines.push(`Skipped ${describeSessions(skipped)} of the ${report.read} read:`);
    const width = String(Math.max(...Object.values(report.skipped))).length;
    for (const [reason, meaning] of IMPORT_SKIP_REASONS) {
      const count = report.skipped[reason];
      if (count > 0) lines.push(`  ${String(count).padStart(width)} ${meaning}`);
    }
  }
  for (const problem of report.cacheProblems) lines.push(`Warning: ${problem}`);
  return `${lines.join('\n')}\n`;
}
