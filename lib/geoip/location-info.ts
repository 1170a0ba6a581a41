/**
 * Where an IP address is, from a MaxMind City or Country database, with English names. Every
 * field is null when the database has no value for it (a Country database has no city, region,
 * postal code or coordinates). The same facts django-qsessions' `location_info` gives, in
 * camelCase.
 */
export interface LocationInfo {
  /** City name, e.g. `Linköping`. */
  city: string | null;
  /** ISO 3166-1 alpha-2 country code, e.g. `SE`. */
  countryCode: string | null;
  /** Country name, e.g. `Sweden`. */
  countryName: string | null;
  /** Continent code: AF, AN, AS, EU, NA, OC or SA. */
  continentCode: string | null;
  /** Continent name, e.g. `Europe`. */
  continentName: string | null;
  /** ISO 3166-2 code of the first (largest) subdivision, without the country, e.g. `E`. */
  regionCode: string | null;
  /** Name of the first subdivision, e.g. `Östergötland County`. */
  regionName: string | null;
  /** Postal code, e.g. `OX1`. */
  postalCode: string | null;
  /** Approximate latitude in degrees. */
  latitude: number | null;
  /** Approximate longitude in degrees. */
  longitude: number | null;
  /** Radius in kilometres around the coordinates within which the address probably is. */
  accuracyRadius: number | null;
  /** IANA time zone, e.g. `Europe/Stockholm`. */
  timeZone: string | null;
  /** Whether the country is an EU member; null when the country is unknown. */
  isInEuropeanUnion: boolean | null;
}

/**
 * The one-line location django-qsessions shows: `"City, Country"`, `"Country"` when the city is
 * unknown, or null when the country is unknown (a city alone is too ambiguous to show).
 */
export function formatLocation(info: LocationInfo | null | undefined): string | null {
  if (!info?.countryName) return null;
  return info.city ? `${info.city}, ${info.countryName}` : info.countryName;
}

/**
 * Maps a City or Country database record to a {@link LocationInfo}, or null when the record
 * says nothing useful (no field at all). The record is read defensively, field by field: a
 * database of another shape, or a damaged one, must give nulls, not a TypeError in a request.
 */
export function toLocationInfo(record: unknown): LocationInfo | null {
  const country = objectAt(record, 'country');
  const continent = objectAt(record, 'continent');
  const location = objectAt(record, 'location');
  const subdivisions = objectAt(record, 'subdivisions');
  const region = Array.isArray(subdivisions) ? objectAt(subdivisions, 0) : undefined;
  const info: LocationInfo = {
    city: englishName(objectAt(record, 'city')),
    countryCode: stringAt(country, 'iso_code'),
    countryName: englishName(country),
    continentCode: stringAt(continent, 'code'),
    continentName: englishName(continent),
    regionCode: stringAt(region, 'iso_code'),
    regionName: englishName(region),
    postalCode: stringAt(objectAt(record, 'postal'), 'code'),
    latitude: numberAt(location, 'latitude'),
    longitude: numberAt(location, 'longitude'),
    accuracyRadius: numberAt(location, 'accuracy_radius'),
    timeZone: stringAt(location, 'time_zone'),
    // MaxMind writes `is_in_european_union` only when it is true, so a known country without it
    // is outside the EU. This is the country of the address, not the registered_country.
    isInEuropeanUnion: country === undefined ? null : objectAt(country, 'is_in_european_union') === true,
  };
  return Object.values(info).some((value) => value !== null) ? info : null;
}

function objectAt(value: unknown, key: string | number): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as Record<string | number, unknown>)[key] ?? undefined;
}

function stringAt(value: unknown, key: string): string | null {
  const found = objectAt(value, key);
  return typeof found === 'string' && found !== '' ? found : null;
}

function numberAt(value: unknown, key: string): number | null {
  const found = objectAt(value, key);
  return typeof found === 'number' && Number.isFinite(found) ? found : null;
}

function englishName(value: unknown): string | null {
  return stringAt(objectAt(value, 'names'), 'en');
}
