/**
 * Injection token of the options as given: forRoot()'s object without its extras (`userEntity`,
 * `isGlobal`), or what forRootAsync()'s factory returns. ConfigurableModuleBuilder provides it;
 * apps reach it through getQSessionsOptionsToken().
 */
export const QSESSIONS_MODULE_OPTIONS = Symbol('QSESSIONS_MODULE_OPTIONS');
/**
 * Injection token of the given options with the registration's `dataSource` filled in when they
 * leave it out (an async factory, or an override in a test): what the options check reads.
 */
export const QSESSIONS_OPTIONS_WITH_DATA_SOURCE = Symbol('QSESSIONS_OPTIONS_WITH_DATA_SOURCE');
/** Injection token of the registration's user entity, once checked against the DataSource's QSession metadata. */
export const QSESSIONS_USER_ENTITY = Symbol('QSESSIONS_USER_ENTITY');
/** Injection token of the validated options with defaults. */
export const QSESSIONS_RESOLVED_OPTIONS = Symbol('QSESSIONS_RESOLVED_OPTIONS');
/** Injection token of the {@link SessionStore} of the chosen engine. */
export const QSESSIONS_STORE = Symbol('QSESSIONS_STORE');
/** Injection token of the cache chosen for `cached_db` (undefined for `db`). */
export const QSESSIONS_CACHE = Symbol('QSESSIONS_CACHE');
/** Injection token of the request lifecycle. */
export const QSESSIONS_LIFECYCLE = Symbol('QSESSIONS_LIFECYCLE');
/** Nest's cache-manager token (`@nestjs/cache-manager`'s CACHE_MANAGER). */
export const APP_CACHE_MANAGER = 'CACHE_MANAGER';
/** Injection token of the TypeORM DataSource that holds the sessions table. */
export const QSESSIONS_DATA_SOURCE = Symbol('QSESSIONS_DATA_SOURCE');
/** Injection token of the engine's session cache port (null for `db`). */
export const QSESSIONS_SESSION_CACHE = Symbol('QSESSIONS_SESSION_CACHE');
/** Injection token of the session event stream. */
export const QSESSIONS_EVENTS = Symbol('QSESSIONS_EVENTS');
/** Injection token of the GeoIP locator. */
export const QSESSIONS_GEOIP = Symbol('QSESSIONS_GEOIP');
/** Injection token of the sign-in history (null when the `history` option is off). */
export const QSESSIONS_HISTORY = Symbol('QSESSIONS_HISTORY');
/** Injection token of the "This wasn't me" links (null when the `history` option is off). */
export const QSESSIONS_REVOKE_LINKS = Symbol('QSESSIONS_REVOKE_LINKS');
/** Injection token of the app's OpenTelemetry metrics and tracer (null without `@opentelemetry/api` or an SDK). */
export const QSESSIONS_TELEMETRY = Symbol('QSESSIONS_TELEMETRY');
/** Injection token of the clock every part reads the time from (see getQSessionsClockToken()). */
export const QSESSIONS_CLOCK = Symbol('QSESSIONS_CLOCK');
