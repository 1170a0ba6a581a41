import type { QSessionsLegacyCookieOptions } from '../qsessions.options.js';
import { isValidCookieName } from './cookie-name.js';
import { isOptionObject } from './option-object.js';
import type { ResolvedLegacyCookieOptions } from './resolved-options.js';
import { unknownKeyProblems, type KnownKeys } from './unknown-keys.js';

const KNOWN_KEYS: KnownKeys<QSessionsLegacyCookieOptions> = {
  name: true,
  secrets: true,
  until: true,
  path: true,
  domain: true,
};
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
  problems.push(...unknownKeyProblems(input, KNOWN_KEYS, 'legacyCookie'));

  const name = input.name ?? 'connect.sid';
  if (!isValidCookieName(name)) {
    problems.push(
      `\`legacyCookie.name\` ${JSON.stringify(name)} is not a valid cookie name: give express-session's \`name\` (default connect.sid).`,
    );
  } else if (name === sessionCookieName) {
    problems.push(
      `\`legacyCookie.name\` and \`cookie.name\` are both ${JSON.stringify(name)}: the session cookie must get a new ` +
        'name (the old cookie is deleted once exchanged), e.g. keep the default `cookie.name` (sessionid).',
    );
  }

  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((s) => typeof s === 'string' && s !== '')) {
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

  const path = input.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || /[;\s]/.test(path)) {
    problems.push(
      '`legacyCookie.path` must be the old cookie\'s path (express-session\'s `cookie.path`): start with "/", no ";" or whitespace.',
    );
  }
  if (input.domain !== undefined && (typeof input.domain !== 'string' || !/^\.?[A-Za-z0-9.-]+$/.test(input.domain))) {
    problems.push('`legacyCookie.domain` must be the old cookie\'s domain, such as "example.com", or left out.');
  }

  if (problems.length > before) return null;
  return { name, secrets: [...(secrets as string[])], until: until!, path, domain: input.domain };
}

/** The cut-off in epoch milliseconds, or null when it is not a valid date. */
function readUntil(value: unknown): number | null {
  let time: number;
  if (value instanceof Date) time = value.getTime();
  else if (typeof value === 'string' && value.trim() !== '') time = Date.parse(value);
  else return null;
  return Number.isFinite(time) ? time : null;
}
