import { QSESSIONS_PRIVACY_DEFAULTS as DEFAULTS, type QSessionsPrivacyOptions } from '../qsessions.options.js';
import { optionSection } from './option-section.js';
import type { ResolvedPrivacyOptions } from './resolved-options.js';

const IP_CHOICES = ['full', 'truncated', 'none'] as const;

/** Validates the `privacy` option and fills in its defaults, adding each problem to `problems`. */
export function resolvePrivacy(input: QSessionsPrivacyOptions | undefined, problems: string[]): ResolvedPrivacyOptions {
  const given = optionSection(input, 'privacy', DEFAULTS, "{ ip: 'truncated' }", problems);
  const ip = given.ip ?? DEFAULTS.ip;
  if (!(IP_CHOICES as readonly unknown[]).includes(ip)) {
    problems.push(`\`privacy.ip\` must be 'full', 'truncated' or 'none'; got ${JSON.stringify(ip)}.`);
  }
  return { ip };
}
