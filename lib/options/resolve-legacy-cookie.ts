import {
  QSESSIONS_COOKIE_DEFAULTS,
  QSESSIONS_LEGACY_COOKIE_DEFAULTS as DEFAULTS,
  type QSessionsLegacyCookieOptions,
} from '../qsessions.options.js';
import { isCookiePath, isOptionalCookieDomain } from './cookie-attributes.js';
import { isValidCookieName } from './cookie-name.js';
import { isOptionObject } from './option-object.js';
import type { ResolvedLegacyCookieOptions } from './resolved-options.js';
import { unknownKeyProblems } from './unknown-keys.js';

const EXAMPLE = "legacyCookie: { secrets: process.env.SESSION_SECRET, until: new Date('2027-03-01T00:00:00Z') }";

/**
 * Validates the `legacyCookie` option, adding each problem (with its fix) to `problems`. Messages
 * never repeat a secret: they say what is wrong with it, not what it is.
 */
export function resolveLegacyCookie(
  input: QSessionsLegacyCookieOptions | undefined,
  sessionCookieName: string,
  problems: string[],
): ResolvedLegacyCookieOptions | null {
  if (input === undefined) return null;
  if (!isOptionObject(input)) {
    problems.push(`\`legacyCookie\` must be an object, for example ${EXAMPLE}.`);
    return null;
  }
  const before = problems.length;
  problems.push(...unknownKeyProblems(input, DEFAULTS, 'legacyCookie'));
  const name = input.name ?? DEFAULTS.name;
  problems.push(...nameProblems(name, sessionCookieName));
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (!isSecretList(secrets)) {
    problems.push(
      "`legacyCookie.secrets` must be express-session's `secret`: a non-empty string, or the non-empty array of " +
        'non-empty strings it was given (the first one signs new cookies there; any of them is accepted here).',
    );
  }
  const until = readUntil(input.until);
  if (until === null) {
    problems.push(
      '`legacyCookie.until` must be the cut-off after which the old cookie is ignored: a valid Date or an ISO 8601 ' +
        "string such as '2027-03-01T00:00:00Z' (choose it after the imported sessions expire).",
    );
  }
  const path = input.path ?? DEFAULTS.path;
  problems.push(...placeProblems(path, input.domain));
  if (problems.length > before) return null;
  return { name, secrets: [...(secrets as string[])], until: until!, path, domain: input.domain };
}

/** Problems with the old cookie's name: not a cookie name, or the session cookie's own. */
function nameProblems(name: unknown, sessionCookieName: string): string[] {
  if (!isValidCookieName(name)) {
    return [
      `\`legacyCookie.name\` ${JSON.stringify(name)} is not a valid cookie name: give express-session's \`name\` (default ${DEFAULTS.name}).`,
    ];
  }
  if (name === sessionCookieName) {
    return [
      `\`legacyCookie.name\` and \`cookie.name\` are both ${JSON.stringify(name)}: the session cookie must get a new ` +
        `name (the old cookie is deleted once exchanged), e.g. keep the default \`cookie.name\` (${QSESSIONS_COOKIE_DEFAULTS.name}).`,
    ];
  }
  return [];
}

/** Whether `value` is a non-empty array of non-empty strings. */
function isSecretList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string' && s !== '');
}

/** Problems with the attributes that are needed to delete the old cookie: its path and domain. */
function placeProblems(path: unknown, domain: unknown): string[] {
  const problems: string[] = [];
  if (!isCookiePath(path)) {
    problems.push(
      '`legacyCookie.path` must be the old cookie\'s path (express-session\'s `cookie.path`): start with "/", no ";" or whitespace.',
    );
  }
  if (!isOptionalCookieDomain(domain)) {
    problems.push('`legacyCookie.domain` must be the old cookie\'s domain, such as "example.com", or left out.');
  }
  return problems;
}

/** The cut-off in epoch milliseconds, or null when it is not a valid date. */
function readUntil(value: unknown): number | null {
  let time: number;
  if (value instanceof Date) time = value.getTime();
  else if (typeof value === 'string' && value.trim() !== '') time = Date.parse(value);
  else return null;
  return Number.isFinite(time) ? time : null;
}
