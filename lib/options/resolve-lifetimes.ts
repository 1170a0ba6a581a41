import { QSESSIONS_DEFAULTS as DEFAULTS, type QSessionsModuleOptions } from '../qsessions.options.js';
import { isWholeNumberFrom } from './option-values.js';
import type { ResolvedQSessionsOptions } from './resolved-options.js';

/**
 * How long sessions live and how often their activity is recorded: `activityInterval`,
 * `absoluteLifetime`, `anonymousLifetime` (the idle lifetime, `cookie.maxAge`, is the cookie's).
 */
export function resolveLifetimes(
  input: QSessionsModuleOptions,
  problems: string[],
): Pick<ResolvedQSessionsOptions, 'activityInterval' | 'absoluteLifetime' | 'anonymousLifetime'> {
  const activityInterval = input.activityInterval ?? DEFAULTS.activityInterval;
  if (!isWholeNumberFrom(activityInterval, 0)) {
    problems.push(
      '`activityInterval` is in milliseconds and must be a whole number ≥ 0 (0 refreshes "last active" on every request).',
    );
  }
  const absoluteLifetime = input.absoluteLifetime ?? DEFAULTS.absoluteLifetime;
  if (absoluteLifetime !== null && !isWholeNumberFrom(absoluteLifetime, 1000)) {
    problems.push(
      '`absoluteLifetime` is in milliseconds and must be a whole number of at least 1000, or null for no absolute limit.',
    );
  }
  // null is a setting here (anonymous sessions get `cookie.maxAge` too), not "left out".
  const anonymousLifetime =
    input.anonymousLifetime === undefined ? DEFAULTS.anonymousLifetime : input.anonymousLifetime;
  if (anonymousLifetime !== null && !isWholeNumberFrom(anonymousLifetime, 1000)) {
    problems.push(
      '`anonymousLifetime` is in milliseconds and must be a whole number of at least 1000, or null to give sessions ' +
        'without a user `cookie.maxAge` too.',
    );
  }
  return { activityInterval, absoluteLifetime, anonymousLifetime };
}
