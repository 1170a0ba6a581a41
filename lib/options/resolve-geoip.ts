import {
  geoIpOptionProblems,
  resolveGeoIpOptions,
  type GeoIpOptions,
  type ResolvedGeoIpOptions,
} from '../geoip/geoip-options.js';
import { isOptionObject } from './option-object.js';

/**
 * The GeoIP databases of the `geoip` option (left out: the folder in `GEOIP_PATH`, read now),
 * adding each problem (with its fix) to `problems`.
 */
export function resolveGeoIp(input: GeoIpOptions | false | undefined, problems: string[]): ResolvedGeoIpOptions {
  // The field problems one by one, as the other sections' are; what is left to resolveGeoIpOptions
  // to refuse (not an object, a database file given as the folder) is one problem each.
  const fieldProblems = isOptionObject(input) ? geoIpOptionProblems(input) : [];
  problems.push(...fieldProblems);
  if (fieldProblems.length > 0) return { cityPath: null, countryPath: null };
  try {
    return resolveGeoIpOptions(input, process.env);
  } catch (error) {
    problems.push((error as Error).message.replace(/^nest-qsessions: /, ''));
    return { cityPath: null, countryPath: null };
  }
}
