import { resolve } from 'node:path';
import { describeValue, isOptionObject } from '../options/option-object.js';
import { unknownKeyProblems, type KnownKeys } from '../options/unknown-keys.js';

/** Default file name of the city database inside the GeoIP folder (what MaxMind's download unpacks). */
export const DEFAULT_GEOIP_CITY = 'GeoLite2-City.mmdb';

/** Default file name of the country database inside the GeoIP folder. */
export const DEFAULT_GEOIP_COUNTRY = 'GeoLite2-Country.mmdb';

/**
 * Where the GeoIP databases are, as the app gives it (the module's `geoip` option). Every field
 * is optional; `false` instead of an object turns GeoIP off.
 */
export interface GeoIpOptions {
  /**
   * Folder holding the databases (django-qsessions' `GEOIP_PATH`). Default: the `GEOIP_PATH`
   * environment variable. A path ending in `.mmdb` is taken as the one database to use.
   */
  path?: string;
  /** City database file name inside the folder. Default `GeoLite2-City.mmdb`. */
  city?: string;
  /** Country database file name inside the folder. Default `GeoLite2-Country.mmdb`. */
  country?: string;
  /** Full path of the city database (instead of folder + `city`). */
  cityPath?: string;
  /** Full path of the country database (instead of folder + `country`). */
  countryPath?: string;
}

/** The databases to read: absolute paths, or null for "none". Both null means GeoIP is off. */
export interface ResolvedGeoIpOptions {
  /** City database (answers city, region, postal code, coordinates and country). */
  cityPath: string | null;
  /** Country database, used when the city database is missing or has no record for an address. */
  countryPath: string | null;
  /** `geoip: false` was given: off on purpose, so nothing to warn about. */
  turnedOff?: boolean;
}

const KNOWN_KEYS: KnownKeys<GeoIpOptions> = {
  path: true,
  city: true,
  country: true,
  cityPath: true,
  countryPath: true,
};

/**
 * Every problem with the fields of a `geoip` object (unknown keys, values that are not
 * non-empty strings, a file name and a full path given for the same database), each with its
 * fix. Exported so that the module's option check can list them with its other problems.
 */
export function geoIpOptionProblems(given: GeoIpOptions): string[] {
  const problems = unknownKeyProblems(given, KNOWN_KEYS, 'geoip');
  for (const key of Object.keys(KNOWN_KEYS) as Array<keyof GeoIpOptions>) {
    const value = given[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      problems.push(
        `\`geoip.${key}\` must be a non-empty string (a ${key.endsWith('Path') || key === 'path' ? 'path' : 'file name'}), or left out; got ${describeValue(value)}.`,
      );
    }
  }
  if (given.city !== undefined && given.cityPath !== undefined) {
    problems.push(
      'give either `geoip.city` (a file name inside the folder) or `geoip.cityPath` (a full path), not both.',
    );
  }
  if (given.country !== undefined && given.countryPath !== undefined) {
    problems.push(
      'give either `geoip.country` (a file name inside the folder) or `geoip.countryPath` (a full path), not both.',
    );
  }
  return problems;
}

/**
 * Turns the `geoip` option into database paths. The folder is `input.path`, else the
 * `GEOIP_PATH` variable of `env` (read now, when the app starts, never at import time). Relative
 * paths are resolved against the current directory now, so a later `chdir` cannot move them.
 * Throws an Error starting with `nest-qsessions:` that lists every problem and its fix.
 */
export function resolveGeoIpOptions(
  input: GeoIpOptions | false | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedGeoIpOptions {
  if (input === false) return { cityPath: null, countryPath: null, turnedOff: true };
  if (input !== undefined && !isOptionObject(input)) {
    throw new Error(
      `nest-qsessions: \`geoip\` must be an object such as { path: '/var/lib/geoip' }, or false to turn GeoIP off; got ${describeValue(input)}.`,
    );
  }
  const given: GeoIpOptions = input ?? {};
  const problems = geoIpOptionProblems(given);
  if (problems.length > 0) {
    throw new Error(`nest-qsessions: invalid \`geoip\` option:\n  - ${problems.join('\n  - ')}`);
  }

  // An empty GEOIP_PATH (`GEOIP_PATH=` in a .env file) means "not set", not "the current folder".
  const folder = given.path ?? (env.GEOIP_PATH ? env.GEOIP_PATH : undefined);
  if (folder !== undefined && folder.toLowerCase().endsWith('.mmdb')) return oneDatabaseFile(folder, given);
  const inFolder = (name: string): string | null => (folder === undefined ? null : resolve(folder, name));
  const cityPath = given.cityPath !== undefined ? resolve(given.cityPath) : inFolder(given.city ?? DEFAULT_GEOIP_CITY);
  const countryPath =
    given.countryPath !== undefined ? resolve(given.countryPath) : inFolder(given.country ?? DEFAULT_GEOIP_COUNTRY);
  // The same file twice would be opened and watched twice for nothing.
  return { cityPath, countryPath: countryPath === cityPath ? null : countryPath };
}

/**
 * The paths when the GeoIP path is one database file, as Django's GEOIP_PATH allows: a city
 * database answers country lookups too, and a country database simply yields no city.
 */
function oneDatabaseFile(file: string, given: GeoIpOptions): ResolvedGeoIpOptions {
  if (given.city !== undefined || given.country !== undefined) {
    throw new Error(
      `nest-qsessions: the GeoIP path ${JSON.stringify(file)} is a database file, so \`geoip.city\` and \`geoip.country\` (file names inside a folder) cannot apply; point the path at the folder, or use \`geoip.cityPath\` / \`geoip.countryPath\`.`,
    );
  }
  return {
    cityPath: given.cityPath !== undefined ? resolve(given.cityPath) : resolve(file),
    countryPath: given.countryPath !== undefined ? resolve(given.countryPath) : null,
  };
}
