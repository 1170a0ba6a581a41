import { QSESSIONS_DEFAULTS as DEFAULTS, type QSessionsModuleOptions } from '../qsessions.options.js';
import { isWholeNumberFrom } from './option-values.js';
import type { ResolvedQSessionsOptions } from './resolved-options.js';

const POLICIES = ['evict-least-recent', 'evict-oldest', 'refuse'] as const;

/** The per-user cap: `maxSessionsPerUser` and what a sign-in does at it, `onSessionLimit`. */
export function resolveSessionLimit(
  input: QSessionsModuleOptions,
  problems: string[],
): Pick<ResolvedQSessionsOptions, 'maxSessionsPerUser' | 'onSessionLimit'> {
  const maxSessionsPerUser = input.maxSessionsPerUser ?? DEFAULTS.maxSessionsPerUser;
  if (maxSessionsPerUser !== null && !isWholeNumberFrom(maxSessionsPerUser, 1)) {
    problems.push('`maxSessionsPerUser` must be a whole number of at least 1, or null for no limit.');
  }
  const onSessionLimit = input.onSessionLimit ?? DEFAULTS.onSessionLimit;
  if (!(POLICIES as readonly unknown[]).includes(onSessionLimit)) {
    problems.push(
      `\`onSessionLimit\` must be ${POLICIES.map((policy) => `'${policy}'`).join(', ')}; got ${JSON.stringify(onSessionLimit)}.`,
    );
  }
  return { maxSessionsPerUser, onSessionLimit };
}
