import { QSESSIONS_DEFAULTS, type QSessionsModuleOptions } from '../qsessions.options.js';
import { describeValue, isOptionObject } from './option-object.js';
import { QSessionsConfigError } from './qsessions-config.error.js';
import { resolveCache } from './resolve-cache.js';
import { resolveCookie } from './resolve-cookie.js';
import { resolveGeoIp } from './resolve-geoip.js';
import { resolveLegacyCookie } from './resolve-legacy-cookie.js';
import { resolveLifetimes } from './resolve-lifetimes.js';
import { resolveSaving, resolveStorage } from './resolve-top-level.js';
import { resolveSessionLimit } from './resolve-session-limit.js';
import { resolvePrivacy } from './resolve-privacy.js';
import { resolveHistory } from './resolve-history.js';
import { resolveLive } from './resolve-live.js';
import { resolveTrustProxy } from './resolve-trust-proxy.js';
import type { ResolvedQSessionsOptions } from './resolved-options.js';
import { unknownKeyProblems } from './unknown-keys.js';

// Importers (the session import, its tests) have always found it here.
export { defaultUserIdFromSession } from './default-user-id.js';

/**
 * Validates the module options and fills in defaults. Every problem is collected and reported
 * at once, each with the fix, so a bad configuration fails at start-up and never per request.
 * Each section's resolver adds its problems to one list, in the order the sections are listed
 * here, which is the order of the error's lines.
 */
export function resolveOptions(options: QSessionsModuleOptions | undefined): ResolvedQSessionsOptions {
  const input: QSessionsModuleOptions = options ?? {};
  if (!isOptionObject(input)) {
    throw new QSessionsConfigError([
      `options must be an object, for example { engine: "db" }; got ${describeValue(input)}.`,
    ]);
  }
  const problems = unknownKeyProblems(input, QSESSIONS_DEFAULTS);
  const storage = resolveStorage(input, problems);
  const cookie = resolveCookie(input.cookie, problems);
  const cache = resolveCache(input.cache, storage.engine, problems);
  const saving = resolveSaving(input, problems);
  const lifetimes = resolveLifetimes(input, problems);
  const sessionLimit = resolveSessionLimit(input, problems);
  const trustProxy = resolveTrustProxy(input.trustProxy, problems);
  const privacy = resolvePrivacy(input.privacy, problems);
  const history = resolveHistory(input.history, problems);
  const live = resolveLive(input.live, storage.engine, cache, problems);
  const geoip = resolveGeoIp(input.geoip, problems);
  const legacyCookie = resolveLegacyCookie(input.legacyCookie, cookie.name, problems);
  if (problems.length > 0) throw new QSessionsConfigError(problems);
  return {
    ...storage,
    cookie,
    cache,
    ...saving,
    trustProxy,
    privacy,
    history,
    live,
    ...lifetimes,
    ...sessionLimit,
    geoip,
    legacyCookie,
  };
}
