import { QSESSIONS_COOKIE_DEFAULTS as DEFAULTS, type QSessionsCookieOptions } from '../qsessions.options.js';
import { isCookiePath, isOptionalCookieDomain } from './cookie-attributes.js';
import { isValidCookieName } from './cookie-name.js';
import { optionSection } from './option-section.js';
import { isOptionalBoolean, isWholeNumberFrom } from './option-values.js';
import type { ResolvedCookieOptions } from './resolved-options.js';

const SAME_SITE: readonly unknown[] = ['lax', 'strict', 'none', false];
const SECURE: readonly unknown[] = [true, false, 'auto'];
const PRIORITY: readonly unknown[] = ['low', 'medium', 'high'];

/**
 * Validates the `cookie` option and fills in its defaults, adding each problem (with its fix) to
 * `problems`. Left out or unusable, it resolves to the defaults, so later checks still run.
 */
export function resolveCookie(input: QSessionsCookieOptions | undefined, problems: string[]): ResolvedCookieOptions {
  const given = optionSection(input, 'cookie', DEFAULTS, '{ maxAge: 3600000 }', problems);
  const cookie: ResolvedCookieOptions = {
    name: given.name ?? defaultCookieName(given),
    maxAge: given.maxAge ?? DEFAULTS.maxAge,
    expireAtBrowserClose: given.expireAtBrowserClose ?? DEFAULTS.expireAtBrowserClose,
    domain: given.domain,
    path: given.path ?? DEFAULTS.path,
    httpOnly: given.httpOnly ?? DEFAULTS.httpOnly,
    sameSite: given.sameSite ?? DEFAULTS.sameSite,
    secure: given.secure ?? DEFAULTS.secure,
    partitioned: given.partitioned ?? DEFAULTS.partitioned,
    priority: given.priority,
  };
  problems.push(...valueProblems(cookie), ...prefixProblems(cookie), ...flagProblems(given));
  return cookie;
}

/**
 * `__Host-` and the default name when the cookie is always Secure, host-only and on `/` (what the
 * prefix requires): a browser then refuses that name from a sibling subdomain or plain HTTP, so
 * nobody can toss a cookie that shadows the session's. Else the default name as it is.
 */
function defaultCookieName(cookie: Partial<QSessionsCookieOptions>): string {
  const hostOnly = cookie.secure === true && (cookie.path ?? DEFAULTS.path) === '/' && cookie.domain === undefined;
  return hostOnly ? `__Host-${DEFAULTS.name}` : DEFAULTS.name;
}

/** Problems with the value of each attribute on its own. */
function valueProblems(cookie: ResolvedCookieOptions): string[] {
  const problems: string[] = [];
  if (!isValidCookieName(cookie.name)) {
    problems.push(
      `\`cookie.name\` ${JSON.stringify(cookie.name)} is not a valid cookie name: use letters, digits and !#$%&'*+-.^_\`|~ only.`,
    );
  }
  if (!isWholeNumberFrom(cookie.maxAge, 1000)) {
    problems.push(
      '`cookie.maxAge` is in milliseconds and must be a whole number of at least 1000 (one second); the default is two weeks.',
    );
  }
  if (!isCookiePath(cookie.path)) problems.push('`cookie.path` must start with "/" and contain no ";" or whitespace.');
  if (!isOptionalCookieDomain(cookie.domain)) {
    problems.push('`cookie.domain` must be a host name such as "example.com", or left out for a host-only cookie.');
  }
  if (!SAME_SITE.includes(cookie.sameSite)) {
    problems.push(
      `\`cookie.sameSite\` must be 'lax', 'strict', 'none' or false, not ${JSON.stringify(cookie.sameSite)}.`,
    );
  }
  if (!SECURE.includes(cookie.secure)) {
    problems.push(`\`cookie.secure\` must be true, false or 'auto', not ${JSON.stringify(cookie.secure)}.`);
  }
  return problems;
}

/** Problems of attributes that browsers only accept together (SameSite=None, name prefixes). */
function prefixProblems({ name, sameSite, secure, path, domain }: ResolvedCookieOptions): string[] {
  const problems: string[] = [];
  if (sameSite === 'none' && secure === false) {
    problems.push(
      "`cookie.sameSite: 'none'` needs `cookie.secure: true` (or 'auto'): browsers reject SameSite=None cookies that are not Secure.",
    );
  }
  // A name that is not a string was reported already; it has no prefix to check.
  const named = typeof name === 'string' ? name : '';
  if (named.startsWith('__Host-') && (secure !== true || path !== '/' || domain !== undefined)) {
    problems.push('a `__Host-` cookie name needs `cookie.secure: true`, `cookie.path: "/"` and no `cookie.domain`.');
  }
  if (named.startsWith('__Secure-') && secure !== true) {
    problems.push('a `__Secure-` cookie name needs `cookie.secure: true`.');
  }
  return problems;
}

/** Problems with the flags and `priority`, read as given (a null flag is wrong, not left out). */
function flagProblems(given: Partial<QSessionsCookieOptions>): string[] {
  const problems: string[] = [];
  for (const flag of ['httpOnly', 'expireAtBrowserClose', 'partitioned'] as const) {
    if (!isOptionalBoolean(given[flag])) problems.push(`\`cookie.${flag}\` must be true or false.`);
  }
  if (given.priority !== undefined && !PRIORITY.includes(given.priority)) {
    problems.push("`cookie.priority` must be 'low', 'medium' or 'high'.");
  }
  return problems;
}
