import type { CityResponse, Reader } from 'maxmind';
import type { WarningSink } from '../util/warn-once.js';
import type { ResolvedGeoIpOptions } from './geoip-options.js';
import { type LocationInfo, formatLocation, toLocationInfo } from './location-info.js';
import { toLookupAddress } from './lookup-address.js';
import { type MmdbLoader, WatchedReader } from './watched-reader.js';
import { WarnOncePerKind } from './warn-once-per-kind.js';

/** Fine-tuning of a {@link GeoIpLocator}; the defaults suit production. */
export interface GeoIpLocatorTuning {
  /** How often each database file is polled for replacement, in ms. Default 5000. */
  watchIntervalMs?: number;
  /** Opens a database file. Default `maxmind.open`. */
  load?: MmdbLoader;
}

const DEFAULT_WATCH_INTERVAL_MS = 5000;

/**
 * Finds where an IP address is, from MaxMind City and Country databases (GeoLite2 or GeoIP2).
 * Each database is opened once, on the first lookup, kept in memory and reloaded when its file
 * is replaced (the monthly update), so a lookup costs a tree walk, not a file read as in
 * django-qsessions. The city database answers first; the country database answers when the
 * city database is missing or has no record for the address.
 *
 * A lookup never throws. A missing, unreadable or damaged database, an address the databases do
 * not know (private, reserved or unlisted), or a value that is not an IP address gives null,
 * and each kind of problem is logged once, never per request. Call {@link close} on shutdown
 * (its file watchers never keep the process alive anyway).
 */
export class GeoIpLocator {
  private readonly warnings: WarnOncePerKind;
  private readonly city: WatchedReader | null;
  private readonly country: WatchedReader | null;

  /** `geoip: false`: off on purpose, so the "GeoIP is off" warning is not given. */
  private readonly turnedOff: boolean;

  constructor(options: ResolvedGeoIpOptions, logger: WarningSink, tuning: GeoIpLocatorTuning = {}) {
    this.turnedOff = options.turnedOff === true;
    this.warnings = new WarnOncePerKind(logger);
    const common = {
      intervalMs: tuning.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
      warnings: this.warnings,
      load: tuning.load,
    };
    this.city =
      options.cityPath === null
        ? null
        : new WatchedReader(options.cityPath, {
            ...common,
            label: 'city',
            consequence:
              options.countryPath === null
                ? 'locations will be null'
                : 'locations will come from the country database only (no cities)',
          });
    this.country =
      options.countryPath === null
        ? null
        : new WatchedReader(options.countryPath, {
            ...common,
            label: 'country',
            consequence:
              options.cityPath === null
                ? 'locations will be null'
                : 'addresses missing from the city database will have no location',
          });
  }

  /**
   * Where `ip` is (English names), or null when it cannot be told. `::ffff:a.b.c.d` is looked
   * up as `a.b.c.d`.
   */
  async locationInfo(ip: string | null | undefined): Promise<LocationInfo | null> {
    if (this.city === null && this.country === null) {
      if (this.turnedOff) return null;
      this.warnings.warn(
        'off',
        'GeoIP is off (no database configured, or `geoip: false`): session locations will be null. To turn it on, set the GEOIP_PATH environment variable or the geoip.path option to a folder holding GeoLite2-City.mmdb (`qsessions download-geoip-db` downloads it).',
      );
      return null;
    }
    const address = toLookupAddress(ip);
    if (address === null) {
      // A session without an address (null, '') is normal; anything else is a bug upstream.
      if (ip !== null && ip !== undefined && ip !== '') {
        this.warnings.warn(
          'invalid-address',
          `GeoIP was asked to locate ${describeValue(ip)}, which is not an IP address; such values get a null location. Store client addresses as plain IPv4 or IPv6 text.`,
        );
      }
      return null;
    }

    let answered = false;
    for (const database of [this.city, this.country]) {
      if (database === null) continue;
      const reader = await database.get();
      if (reader === null) continue;
      answered = true;
      const info = toLocationInfo(this.lookup(reader, database, address));
      if (info !== null) return info;
    }
    if (answered) {
      this.warnings.warn(
        'unknown-address',
        `GeoIP has no location for ${address} (a private, reserved or unlisted address); such addresses get a null location. This is reported once.`,
      );
    }
    return null;
  }

  /** Whether a city or country database is configured (false: every location is null). */
  get hasDatabase(): boolean {
    return this.city !== null || this.country !== null;
  }

  /**
   * Where `ip` is as one line, as django-qsessions shows it: `"Linköping, Sweden"`, `"Japan"`
   * when the city is unknown, or null.
   */
  async location(ip: string | null | undefined): Promise<string | null> {
    return formatLocation(await this.locationInfo(ip));
  }

  /** Stops watching the database files and frees them. Later lookups return null. */
  close(): void {
    this.city?.close();
    this.country?.close();
  }

  /** The record for `address`, or null. A damaged tree or data section may throw: warn instead. */
  private lookup(reader: Reader<CityResponse>, database: WatchedReader, address: string): CityResponse | null {
    // An IPv4-only database cannot hold IPv6 addresses (mmdb-lib would walk past its tree).
    if (reader.metadata.ipVersion === 4 && address.includes(':')) return null;
    try {
      return reader.get(address);
    } catch (error) {
      this.warnings.warn(
        `file:${database.path}:lookup`,
        `GeoIP lookup failed in ${database.path} (${error instanceof Error ? error.message : String(error)}); the file looks damaged and such lookups get a null location. Download it again with \`qsessions download-geoip-db\`.`,
      );
      return null;
    }
  }
}

/** A bad value, short and printable (it may be long or hold control characters). */
function describeValue(value: unknown): string {
  if (typeof value !== 'string') return `a ${typeof value}`;
  const text = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return text;
}
