import { QSESSIONS_HISTORY_DEFAULTS as DEFAULTS, type QSessionsHistoryOptions } from '../qsessions.options.js';
import { optionSection } from './option-section.js';
import { isWholeNumberFrom } from './option-values.js';
import type { ResolvedHistoryOptions } from './resolved-options.js';

/** Ten years: beyond it a typo (days given as milliseconds) is likelier than intent. */
const MAX_RETAIN_DAYS = 3650;

/** Validates the `history` option (`true`, `false` or `{ retainDays }`), adding each problem to `problems`. */
export function resolveHistory(
  input: QSessionsHistoryOptions | boolean | undefined,
  problems: string[],
): ResolvedHistoryOptions | null {
  if (input === undefined || input === false) return null;
  const given =
    input === true ? {} : optionSection(input, 'history', DEFAULTS, '{ retainDays: 90 } (or true)', problems);
  const retainDays = given.retainDays ?? DEFAULTS.retainDays;
  if (!isWholeNumberFrom(retainDays, 1) || retainDays > MAX_RETAIN_DAYS) {
    problems.push(
      `\`history.retainDays\` must be a whole number of days from 1 to ${MAX_RETAIN_DAYS}; got ${JSON.stringify(retainDays)}.`,
    );
  }
  return { retainDays };
}
