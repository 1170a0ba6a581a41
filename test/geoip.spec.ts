import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unwatchFile,
  watchFile,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import maxmind, { type CityResponse, type Reader } from 'maxmind';
import { GeoIpLocator } from '../lib/geoip/geoip-locator.js';
import { DEFAULT_GEOIP_CITY, DEFAULT_GEOIP_COUNTRY, resolveGeoIpOptions } from '../lib/geoip/geoip-options.js';
import { type LocationInfo, formatLocation, toLocationInfo } from '../lib/geoip/location-info.js';
import { toLookupAddress } from '../lib/geoip/lookup-address.js';
import { WatchedReader } from '../lib/geoip/watched-reader.js';
import { WarnOncePerKind } from '../lib/geoip/warn-once-per-kind.js';
import { type MmdbNetwork, type MmdbValue, writeMmdb } from './support/mmdb-writer.js';
import { sleep } from './support/sleep.js';

// MaxMind's official test databases live beside the project, not in it (see the README there).
const OFFICIAL = fileURLToPath(new URL('./fixtures/geoip/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
// Fast polling for the reload tests; production polls every 5 s.
const FAST_WATCH_MS = 50;

const temporaryDirs: string[] = [];
const locators: GeoIpLocator[] = [];

afterEach(() => {
  for (const locator of locators.splice(0)) locator.close();
});
afterAll(() => {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qsessions-geoip-'));
  temporaryDirs.push(dir);
  return dir;
}

/** A logger that keeps what it is told. */
function recordingLogger(): { warnings: string[]; warn(message: string): void } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => warnings.push(message) };
}

function newLocator(
  cityPath: string | null,
  countryPath: string | null,
  watchIntervalMs = FAST_WATCH_MS,
): { locator: GeoIpLocator; warnings: string[] } {
  const logger = recordingLogger();
  const locator = new GeoIpLocator({ cityPath, countryPath }, logger, { watchIntervalMs });
  locators.push(locator);
  return { locator, warnings: logger.warnings };
}

/** Writes `content` next to `path`, then renames it over `path` (how a database is replaced). */
function replaceFile(path: string, content: Buffer | string): void {
  const next = `${path}.next`;
  writeFileSync(next, content);
  renameSync(next, path);
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// Self-built databases (need nothing outside the repository).

const names = (en: string): MmdbValue => ({ en, de: `${en} (de)` });

/** A City-database record; only the fields given are written. */
function cityRecord(fields: {
  city?: string;
  country?: [code: string, name: string, inEu?: boolean];
  continent?: [code: string, name: string];
  regions?: [code: string, name: string][];
  postal?: string;
  location?: { latitude: number; longitude: number; accuracy_radius: number; time_zone?: string };
}): { [key: string]: MmdbValue } {
  const record: { [key: string]: MmdbValue } = {};
  if (fields.city) record.city = { geoname_id: 2_694_762, names: names(fields.city) };
  if (fields.continent)
    record.continent = { code: fields.continent[0], geoname_id: 6_255_148, names: names(fields.continent[1]) };
  if (fields.country) {
    const [iso_code, name, inEu] = fields.country;
    record.country = {
      geoname_id: 2_661_886,
      iso_code,
      names: names(name),
      ...(inEu ? { is_in_european_union: true } : {}),
    };
    // A different registered country, to prove the country of the address is the one read.
    record.registered_country = {
      geoname_id: 1,
      iso_code: 'RG',
      names: names('Registeredland'),
      is_in_european_union: !inEu,
    };
  }
  if (fields.regions) {
    record.subdivisions = fields.regions.map(([iso_code, name]) => ({ geoname_id: 7, iso_code, names: names(name) }));
  }
  if (fields.postal) record.postal = { code: fields.postal };
  if (fields.location) record.location = fields.location;
  return record;
}

const SPRINGFIELD = cityRecord({
  city: 'Springfield',
  country: ['FD', 'Freedonia', true],
  continent: ['EU', 'Europe'],
  regions: [
    ['AB', 'Alpha Province'],
    ['CD', 'Delta District'],
  ],
  postal: '12345',
  location: { latitude: 58.4167, longitude: -15.25, accuracy_radius: 76, time_zone: 'Europe/Stockholm' },
});

// City database: 203.0.113.0/24 Springfield; 2001:db8:1::/48 Sixville; 198.51.100.0/25 a
// country without a city; 198.51.100.128/25 a continent without a country.
const CITY_NETWORKS: MmdbNetwork[] = [
  { network: '203.0.113.0/24', data: SPRINGFIELD },
  {
    network: '2001:db8:1::/48',
    data: cityRecord({ city: 'Sixville', country: ['FD', 'Freedonia', true], continent: ['EU', 'Europe'] }),
  },
  { network: '198.51.100.0/25', data: cityRecord({ country: ['FD', 'Freedonia', true], continent: ['EU', 'Europe'] }) },
  { network: '198.51.100.128/25', data: cityRecord({ continent: ['AS', 'Asia'] }) },
];
// Country database: 192.0.2.0/24 and 2001:db8:2::/48 are only here; 203.0.113.0/24 is here
// too, under another name, to prove the city database answers first.
const COUNTRY_NETWORKS: MmdbNetwork[] = [
  { network: '192.0.2.0/24', data: cityRecord({ country: ['SY', 'Sylvania'], continent: ['NA', 'North America'] }) },
  { network: '2001:db8:2::/48', data: cityRecord({ country: ['SY', 'Sylvania'], continent: ['NA', 'North America'] }) },
  { network: '203.0.113.0/24', data: cityRecord({ country: ['WR', 'Wrongland'], continent: ['EU', 'Europe'] }) },
];

function writeDatabases(dir = tempDir()): { dir: string; cityPath: string; countryPath: string } {
  const cityPath = join(dir, DEFAULT_GEOIP_CITY);
  const countryPath = join(dir, DEFAULT_GEOIP_COUNTRY);
  writeFileSync(cityPath, writeMmdb({ databaseType: 'GeoLite2-City', networks: CITY_NETWORKS }));
  writeFileSync(countryPath, writeMmdb({ databaseType: 'GeoLite2-Country', networks: COUNTRY_NETWORKS }));
  return { dir, cityPath, countryPath };
}

function oneCityDatabase(city: string): Buffer {
  return writeMmdb({
    databaseType: 'GeoLite2-City',
    networks: [{ network: '203.0.113.0/24', data: cityRecord({ city, country: ['FD', 'Freedonia'] }) }],
  });
}

describe('test support: the MaxMind DB writer, read back with the maxmind package', () => {
  it('writes the tree, every data type it supports, and the metadata', async () => {
    const path = join(tempDir(), 'types.mmdb');
    const long = 'x'.repeat(300); // a size that needs two extra bytes
    const huge = 'y'.repeat(70_000); // a size that needs three extra bytes
    writeFileSync(
      path,
      writeMmdb({
        databaseType: 'Test-Types',
        buildEpoch: 1_234_567_890,
        networks: [
          {
            network: '10.1.2.0/23',
            data: {
              text: 'Linköping',
              medium: 'z'.repeat(40),
              long,
              huge,
              small: 7,
              zero: 0,
              uint16: 65_535,
              uint32: 4_000_000_000,
              double: 58.4167,
              negative: -0.0931,
              yes: true,
              no: false,
              list: ['a', 1, { nested: [true] }],
              map: { inner: { deeper: 'ok' } },
            },
          },
          { network: '2001:db8::/32', data: { v6: 'yes' } },
          { network: '10.1.4.0/24', data: { neighbour: true } },
        ],
      }),
    );
    const reader = await maxmind.open<Record<string, unknown>>(path);
    expect(reader.metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: 'Test-Types',
      ipVersion: 6,
      recordSize: 24,
      languages: ['en'],
      description: { en: 'Test-Types test database written by test/support/mmdb-writer.ts' },
    });
    expect(reader.metadata.buildEpoch.toISOString()).toBe('2009-02-13T23:31:30.000Z');
    const record = reader.get('10.1.2.200');
    expect(record).toEqual({
      text: 'Linköping',
      medium: 'z'.repeat(40),
      long,
      huge,
      small: 7,
      zero: 0,
      uint16: 65_535,
      uint32: 4_000_000_000,
      double: 58.4167,
      negative: -0.0931,
      yes: true,
      no: false,
      list: ['a', 1, { nested: [true] }],
      map: { inner: { deeper: 'ok' } },
    });
    // Network edges: /23 covers 10.1.2.0–10.1.3.255.
    expect(reader.getWithPrefixLength('10.1.2.0')).toEqual([record, 23]);
    expect(reader.get('10.1.3.255')).toEqual(record);
    expect(reader.get('10.1.1.255')).toBeNull();
    expect(reader.get('10.1.4.1')).toEqual({ neighbour: true });
    expect(reader.get('10.1.5.0')).toBeNull();
    expect(reader.get('2001:db8:ffff::1')).toEqual({ v6: 'yes' });
    expect(reader.get('2001:db9::')).toBeNull();
    expect(reader.get('::ffff:10.1.2.3')).toBeNull(); // like MaxMind's own test files without aliases
  });

  it('refuses overlapping networks and malformed CIDRs', () => {
    expect(() =>
      writeMmdb({
        databaseType: 'x',
        networks: [
          { network: '10.0.0.0/8', data: {} },
          { network: '10.1.0.0/16', data: {} },
        ],
      }),
    ).toThrow(/overlap/);
    expect(() => writeMmdb({ databaseType: 'x', networks: [{ network: '10.0.0.0', data: {} }] })).toThrow(
      /bad network/,
    );
  });
});

describe('resolveGeoIpOptions', () => {
  const cwd = process.cwd();

  it('takes the folder from GEOIP_PATH by default, with the GeoLite2 file names', () => {
    expect(resolveGeoIpOptions(undefined, { GEOIP_PATH: '/var/lib/geoip' })).toEqual({
      cityPath: '/var/lib/geoip/GeoLite2-City.mmdb',
      countryPath: '/var/lib/geoip/GeoLite2-Country.mmdb',
    });
    expect(resolveGeoIpOptions({}, { GEOIP_PATH: '/srv/geo/' })).toEqual({
      cityPath: '/srv/geo/GeoLite2-City.mmdb',
      countryPath: '/srv/geo/GeoLite2-Country.mmdb',
    });
  });

  it('reads the environment when called, not when imported', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(resolveGeoIpOptions(undefined, env)).toEqual({ cityPath: null, countryPath: null });
    env.GEOIP_PATH = '/later';
    expect(resolveGeoIpOptions(undefined, env).cityPath).toBe('/later/GeoLite2-City.mmdb');
  });

  it('is off when there is no folder, when GEOIP_PATH is empty, and with `false`', () => {
    expect(resolveGeoIpOptions(undefined, {})).toEqual({ cityPath: null, countryPath: null });
    expect(resolveGeoIpOptions({}, { GEOIP_PATH: '' })).toEqual({ cityPath: null, countryPath: null });
    expect(resolveGeoIpOptions(false, { GEOIP_PATH: '/var/lib/geoip' })).toEqual({
      cityPath: null,
      countryPath: null,
      turnedOff: true,
    });
  });

  it('prefers the path option over GEOIP_PATH, and takes other file names', () => {
    expect(resolveGeoIpOptions({ path: '/opt/geo' }, { GEOIP_PATH: '/ignored' })).toEqual({
      cityPath: '/opt/geo/GeoLite2-City.mmdb',
      countryPath: '/opt/geo/GeoLite2-Country.mmdb',
    });
    expect(
      resolveGeoIpOptions({ city: 'GeoIP2-City.mmdb', country: 'GeoIP2-Country.mmdb' }, { GEOIP_PATH: '/g' }),
    ).toEqual({
      cityPath: '/g/GeoIP2-City.mmdb',
      countryPath: '/g/GeoIP2-Country.mmdb',
    });
  });

  it('takes full paths, alone or beside a folder', () => {
    expect(
      resolveGeoIpOptions({ cityPath: '/a/city.mmdb', countryPath: '/b/country.mmdb' }, { GEOIP_PATH: '/g' }),
    ).toEqual({
      cityPath: '/a/city.mmdb',
      countryPath: '/b/country.mmdb',
    });
    // Only a city database: no country fallback unless a folder gives one.
    expect(resolveGeoIpOptions({ cityPath: '/a/city.mmdb' }, {})).toEqual({
      cityPath: '/a/city.mmdb',
      countryPath: null,
    });
    expect(resolveGeoIpOptions({ cityPath: '/a/city.mmdb' }, { GEOIP_PATH: '/g' })).toEqual({
      cityPath: '/a/city.mmdb',
      countryPath: '/g/GeoLite2-Country.mmdb',
    });
    expect(resolveGeoIpOptions({ countryPath: '/b/country.mmdb' }, {})).toEqual({
      cityPath: null,
      countryPath: '/b/country.mmdb',
    });
  });

  it('resolves relative paths against the current directory, now', () => {
    expect(resolveGeoIpOptions({ path: 'geoip' }, {})).toEqual({
      cityPath: resolve(cwd, 'geoip', 'GeoLite2-City.mmdb'),
      countryPath: resolve(cwd, 'geoip', 'GeoLite2-Country.mmdb'),
    });
    expect(resolveGeoIpOptions({ cityPath: 'data/c.mmdb' }, {}).cityPath).toBe(resolve(cwd, 'data/c.mmdb'));
  });

  it('takes a path ending in .mmdb as the one database, and does not open the same file twice', () => {
    expect(resolveGeoIpOptions(undefined, { GEOIP_PATH: '/g/GeoLite2-City.mmdb' })).toEqual({
      cityPath: '/g/GeoLite2-City.mmdb',
      countryPath: null,
    });
    expect(resolveGeoIpOptions({ cityPath: '/same.mmdb', countryPath: '/same.mmdb' }, {})).toEqual({
      cityPath: '/same.mmdb',
      countryPath: null,
    });
  });

  it.each([
    [true, /`geoip` must be an object .* or false to turn GeoIP off; got boolean true/],
    ['/var/lib/geoip', /`geoip` must be an object such as \{ path: '\/var\/lib\/geoip' \}.*got "\/var\/lib\/geoip"/],
    [null, /got null/],
    [['/a'], /got an array/],
    [42, /got number 42/],
  ])('rejects %p as the option, saying what to write', (input, message) => {
    expect(() => resolveGeoIpOptions(input as never, {})).toThrow(message);
    expect(() => resolveGeoIpOptions(input as never, {})).toThrow(/^nest-qsessions: /);
  });

  it('lists every bad field at once, each with its fix', () => {
    let caught: unknown;
    try {
      resolveGeoIpOptions({ path: 7, city: '', cityPath: '/x.mmdb', contry: 'x' } as never, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    const message = (caught as Error).message;
    expect(message).toMatch(/^nest-qsessions: invalid `geoip` option:/);
    expect(message).toContain('unknown option `geoip.contry`; did you mean `geoip.country`?');
    expect(message).toContain('`geoip.path` must be a non-empty string (a path), or left out; got number 7.');
    expect(message).toContain('`geoip.city` must be a non-empty string (a file name), or left out; got "".');
    expect(message).toContain(
      'give either `geoip.city` (a file name inside the folder) or `geoip.cityPath` (a full path), not both.',
    );
    expect(() => resolveGeoIpOptions({ country: 'a.mmdb', countryPath: '/b.mmdb' }, {})).toThrow(
      /`geoip.country`.*not both/,
    );
  });

  it('refuses file names inside a path that is itself a database file', () => {
    expect(() => resolveGeoIpOptions({ city: 'x.mmdb' }, { GEOIP_PATH: '/g/one.mmdb' })).toThrow(
      /^nest-qsessions: the GeoIP path "\/g\/one.mmdb" is a database file/,
    );
  });
});

describe('toLookupAddress and formatLocation', () => {
  it('keeps plain addresses and unwraps IPv4-mapped IPv6', () => {
    expect(toLookupAddress('89.160.20.112')).toBe('89.160.20.112');
    expect(toLookupAddress('::ffff:89.160.20.112')).toBe('89.160.20.112');
    expect(toLookupAddress('::FFFF:89.160.20.112')).toBe('89.160.20.112');
    expect(toLookupAddress('::ffff:59a0:1470')).toBe('89.160.20.112');
    expect(toLookupAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(toLookupAddress('::1')).toBe('::1');
  });

  it.each([
    null,
    undefined,
    '',
    ' 1.2.3.4',
    '1.2.3.4\n',
    '1.2.3',
    '256.1.1.1',
    '01.2.3.4',
    '::ffff:999.1.1.1',
    'fe80::1%eth0',
    'example.com',
    '1.2.3.4/24',
    'a'.repeat(10_000),
    '\u0000\u0007',
    42,
    {},
  ])('refuses %p', (value) => {
    expect(toLookupAddress(value)).toBeNull();
  });

  it('formats "City, Country", "Country" or null, as django-qsessions does', () => {
    const base = toLocationInfo({ country: { iso_code: 'SE', names: { en: 'Sweden' } } }) as LocationInfo;
    expect(formatLocation({ ...base, city: 'Linköping' })).toBe('Linköping, Sweden');
    expect(formatLocation(base)).toBe('Sweden');
    expect(formatLocation({ ...base, city: 'Linköping', countryName: null })).toBeNull();
    expect(formatLocation(null)).toBeNull();
    expect(formatLocation(undefined)).toBeNull();
  });

  it('maps records defensively: nothing useful gives null, odd shapes give null fields', () => {
    expect(toLocationInfo(null)).toBeNull();
    expect(toLocationInfo({})).toBeNull();
    expect(toLocationInfo({ autonomous_system_number: 1 })).toBeNull(); // an ASN record
    expect(
      toLocationInfo({ city: 'not a map', country: { iso_code: 5, names: { en: 'X' } }, location: { latitude: 'n' } }),
    ).toEqual({
      city: null,
      countryCode: null,
      countryName: 'X',
      continentCode: null,
      continentName: null,
      regionCode: null,
      regionName: null,
      postalCode: null,
      latitude: null,
      longitude: null,
      accuracyRadius: null,
      timeZone: null,
      isInEuropeanUnion: false,
    });
  });
});

describe('GeoIpLocator on self-built databases', () => {
  it('answers from the city database: every field, in English', async () => {
    const { cityPath, countryPath } = writeDatabases();
    const { locator, warnings } = newLocator(cityPath, countryPath);
    expect(await locator.locationInfo('203.0.113.9')).toEqual({
      city: 'Springfield',
      countryCode: 'FD',
      countryName: 'Freedonia',
      continentCode: 'EU',
      continentName: 'Europe',
      regionCode: 'AB',
      regionName: 'Alpha Province',
      postalCode: '12345',
      latitude: 58.4167,
      longitude: -15.25,
      accuracyRadius: 76,
      timeZone: 'Europe/Stockholm',
      isInEuropeanUnion: true,
    });
    expect(await locator.location('203.0.113.9')).toBe('Springfield, Freedonia');
    expect(await locator.location('::ffff:203.0.113.200')).toBe('Springfield, Freedonia');
    expect(await locator.location('2001:db8:1:ffff::1')).toBe('Sixville, Freedonia');
    expect(warnings).toEqual([]);
  });

  it('formats a record without a city as "Country", and one without a country as null', async () => {
    const { cityPath, countryPath } = writeDatabases();
    const { locator } = newLocator(cityPath, countryPath);
    expect(await locator.location('198.51.100.1')).toBe('Freedonia');
    const continentOnly = await locator.locationInfo('198.51.100.200');
    expect(continentOnly).toMatchObject({
      continentCode: 'AS',
      continentName: 'Asia',
      countryName: null,
      isInEuropeanUnion: null,
    });
    expect(await locator.location('198.51.100.200')).toBeNull();
  });

  it('falls back to the country database for addresses the city database lacks', async () => {
    const { cityPath, countryPath } = writeDatabases();
    const { locator, warnings } = newLocator(cityPath, countryPath);
    expect(await locator.location('192.0.2.77')).toBe('Sylvania');
    expect(await locator.location('2001:db8:2::5')).toBe('Sylvania');
    expect(await locator.locationInfo('192.0.2.77')).toEqual({
      city: null,
      countryCode: 'SY',
      countryName: 'Sylvania',
      continentCode: 'NA',
      continentName: 'North America',
      regionCode: null,
      regionName: null,
      postalCode: null,
      latitude: null,
      longitude: null,
      accuracyRadius: null,
      timeZone: null,
      isInEuropeanUnion: false,
    });
    // The city database answers first when both know the address.
    expect(await locator.location('203.0.113.9')).toBe('Springfield, Freedonia');
    expect(warnings).toEqual([]);
  });

  it('uses the country database alone when the city database is missing, warning once', async () => {
    const { dir, countryPath } = writeDatabases();
    const cityPath = join(dir, 'absent-city.mmdb');
    const { locator, warnings } = newLocator(cityPath, countryPath);
    for (let i = 0; i < 5; i++) {
      expect(await locator.location('203.0.113.9')).toBe('Wrongland');
      expect(await locator.location('192.0.2.1')).toBe('Sylvania');
    }
    expect(warnings).toEqual([
      `GeoIP city database not found at ${cityPath}; locations will come from the country database only (no cities). Download it with \`qsessions download-geoip-db\` or set GEOIP_PATH (or the geoip.path option) to the folder that holds it.`,
    ]);
  });

  it('gives null for addresses in neither database, with one warning for all of them', async () => {
    const { cityPath, countryPath } = writeDatabases();
    const { locator, warnings } = newLocator(cityPath, countryPath);
    for (const ip of ['127.0.0.1', '10.0.0.1', '100.64.0.1', '::1', '2001:db8:3::1', '203.0.114.1']) {
      expect(await locator.locationInfo(ip)).toBeNull();
      expect(await locator.location(ip)).toBeNull();
    }
    expect(warnings).toEqual([
      'GeoIP has no location for 127.0.0.1 (a private, reserved or unlisted address); such addresses get a null location. This is reported once.',
    ]);
  });

  it('gives null and one warning in all for a missing database, whatever the number of lookups', async () => {
    const cityPath = join(tempDir(), 'GeoLite2-City.mmdb');
    const { locator, warnings } = newLocator(cityPath, null);
    const lookups = Array.from({ length: 30 }, (_, i) => locator.location(`203.0.113.${i}`));
    expect(await Promise.all(lookups)).toEqual(new Array(30).fill(null));
    for (let i = 0; i < 20; i++) expect(await locator.locationInfo('192.0.2.1')).toBeNull();
    expect(warnings).toEqual([
      `GeoIP city database not found at ${cityPath}; locations will be null. Download it with \`qsessions download-geoip-db\` or set GEOIP_PATH (or the geoip.path option) to the folder that holds it.`,
    ]);
  });

  it('warns once per missing file when both are missing', async () => {
    const dir = tempDir();
    const { locator, warnings } = newLocator(join(dir, 'c.mmdb'), join(dir, 'k.mmdb'));
    for (let i = 0; i < 10; i++) expect(await locator.location('203.0.113.9')).toBeNull();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^GeoIP city database not found at .*c\.mmdb; locations will come from the country database only/,
    );
    expect(warnings[1]).toMatch(
      /^GeoIP country database not found at .*k\.mmdb; addresses missing from the city database/,
    );
  });

  it.each([
    ['garbage', Buffer.from('this is not a MaxMind database at all')],
    ['an empty file', Buffer.alloc(0)],
    ['a gzip archive', gzipSync(oneCityDatabase('Gzipville'))],
    ['a truncated database', oneCityDatabase('Halfville').subarray(0, 200)],
  ])('gives null and one warning for %s', async (_name, content) => {
    const cityPath = join(tempDir(), 'GeoLite2-City.mmdb');
    writeFileSync(cityPath, content);
    const { locator, warnings } = newLocator(cityPath, null);
    for (let i = 0; i < 10; i++) expect(await locator.location('203.0.113.9')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`GeoIP city database at ${cityPath} is not a valid MaxMind DB file (`);
    expect(warnings[0]).toContain(
      'Download it again with `qsessions download-geoip-db` (an .mmdb file, not the .tar.gz archive).',
    );
  });

  it('gives null and one warning for a path it cannot read (a folder)', async () => {
    const cityPath = join(tempDir(), 'GeoLite2-City.mmdb');
    mkdirSync(cityPath);
    const { locator, warnings } = newLocator(cityPath, null);
    for (let i = 0; i < 10; i++) expect(await locator.location('203.0.113.9')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^GeoIP city database at .* cannot be read \(.*EISDIR.*\); locations will be null\. Make it a file/,
    );
  });

  it('gives null for values that are not IP addresses, warning once, and never for an absent address', async () => {
    const { cityPath, countryPath } = writeDatabases();
    const { locator, warnings } = newLocator(cityPath, countryPath);
    for (const value of [null, undefined, '']) expect(await locator.locationInfo(value)).toBeNull();
    expect(warnings).toEqual([]);
    const garbage = [
      'not-an-ip',
      '203.0.113',
      'fe80::1%eth0',
      ' 203.0.113.9',
      'x'.repeat(10_000),
      '\u0000\u001b[31m',
      7,
    ];
    for (const value of garbage) {
      expect(await locator.locationInfo(value as string)).toBeNull();
      expect(await locator.location(value as string)).toBeNull();
    }
    expect(warnings).toEqual([
      'GeoIP was asked to locate "not-an-ip", which is not an IP address; such values get a null location. Store client addresses as plain IPv4 or IPv6 text.',
    ]);
  });

  it('is off when no database is configured: null, and one warning saying so', async () => {
    const { locator, warnings } = newLocator(null, null);
    for (const ip of ['203.0.113.9', '89.160.20.112', 'garbage', null]) expect(await locator.location(ip)).toBeNull();
    expect(await locator.locationInfo('203.0.113.9')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^GeoIP is off \(no database configured, or `geoip: false`\): session locations will be null\. To turn it on, set the GEOIP_PATH/,
    );
  });

  it('says nothing when GeoIP was turned off on purpose (`geoip: false`)', async () => {
    const logger = recordingLogger();
    const locator = new GeoIpLocator(resolveGeoIpOptions(false, { GEOIP_PATH: '/var/lib/geoip' }), logger);
    locators.push(locator);
    expect(await locator.location('89.160.20.112')).toBeNull();
    expect(await locator.locationInfo('89.160.20.112')).toBeNull();
    expect(logger.warnings).toEqual([]);
  });

  it('opens each database once: concurrent first lookups share the open', async () => {
    const { cityPath } = writeDatabases();
    let opens = 0;
    const logger = recordingLogger();
    const locator = new GeoIpLocator({ cityPath, countryPath: null }, logger, {
      watchIntervalMs: FAST_WATCH_MS,
      load: (path) => {
        opens++;
        return maxmind.open<CityResponse>(path);
      },
    });
    locators.push(locator);
    const answers = await Promise.all(Array.from({ length: 25 }, () => locator.location('203.0.113.9')));
    expect(answers).toEqual(new Array(25).fill('Springfield, Freedonia'));
    for (let i = 0; i < 25; i++) await locator.location('203.0.113.9');
    expect(opens).toBe(1);
  });

  it('reloads a database replaced on disk', async () => {
    const cityPath = join(tempDir(), 'GeoLite2-City.mmdb');
    writeFileSync(cityPath, oneCityDatabase('Oldtown'));
    const { locator, warnings } = newLocator(cityPath, null);
    expect(await locator.location('203.0.113.9')).toBe('Oldtown, Freedonia');
    replaceFile(cityPath, oneCityDatabase('Newtown'));
    await waitFor(async () => (await locator.location('203.0.113.9')) === 'Newtown, Freedonia');
    expect(warnings).toEqual([]);
  });

  it('keeps the previous version when the replacement is broken, and takes the next good one', async () => {
    const cityPath = join(tempDir(), 'GeoLite2-City.mmdb');
    writeFileSync(cityPath, oneCityDatabase('Oldtown'));
    const { locator, warnings } = newLocator(cityPath, null);
    expect(await locator.location('203.0.113.9')).toBe('Oldtown, Freedonia');
    replaceFile(cityPath, 'garbage that would crash maxmind 5.0.7 own watcher');
    await waitFor(() => warnings.length > 0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^GeoIP city database at .* was replaced by a file that cannot be loaded \(.*\); still using the previous version\. Replace it with a complete \.mmdb file/,
    );
    expect(await locator.location('203.0.113.9')).toBe('Oldtown, Freedonia');
    replaceFile(cityPath, oneCityDatabase('Newtown'));
    await waitFor(async () => (await locator.location('203.0.113.9')) === 'Newtown, Freedonia');
    // The problem is gone, so a new one is reported again.
    replaceFile(cityPath, Buffer.alloc(10));
    await waitFor(() => warnings.length > 1);
    expect(warnings).toHaveLength(2);
    expect(await locator.location('203.0.113.9')).toBe('Newtown, Freedonia');
  });

  it('keeps answering when the file is deleted', async () => {
    const cityPath = join(tempDir(), 'GeoLite2-City.mmdb');
    writeFileSync(cityPath, oneCityDatabase('Oldtown'));
    const { locator, warnings } = newLocator(cityPath, null);
    expect(await locator.location('203.0.113.9')).toBe('Oldtown, Freedonia');
    rmSync(cityPath);
    await sleep(FAST_WATCH_MS * 6);
    expect(await locator.location('203.0.113.9')).toBe('Oldtown, Freedonia');
    expect(warnings).toEqual([]);
  });

  it('picks up a database that appears after start-up, without a restart', async () => {
    const cityPath = join(tempDir(), 'GeoLite2-City.mmdb');
    const { locator, warnings } = newLocator(cityPath, null);
    expect(await locator.location('203.0.113.9')).toBeNull();
    expect(warnings).toHaveLength(1);
    replaceFile(cityPath, oneCityDatabase('Latecomer'));
    await waitFor(async () => (await locator.location('203.0.113.9')) === 'Latecomer, Freedonia');
    expect(warnings).toHaveLength(1);
  });

  it('stops watching on close: a later replacement is not read, and lookups return null', async () => {
    const path = join(tempDir(), 'GeoLite2-City.mmdb');
    writeFileSync(path, oneCityDatabase('Oldtown'));
    let loads = 0;
    const watched = new WatchedReader(path, {
      label: 'city',
      consequence: 'locations will be null',
      intervalMs: FAST_WATCH_MS,
      warnings: new WarnOncePerKind(recordingLogger()),
      load: (file) => {
        loads++;
        return maxmind.open<CityResponse>(file);
      },
    });
    const first = await Promise.all([watched.get(), watched.get(), watched.get()]);
    expect(first[0]).not.toBeNull();
    expect(first[1]).toBe(first[0]);
    expect(first[2]).toBe(first[0]);
    expect(loads).toBe(1);
    replaceFile(path, oneCityDatabase('Newtown'));
    await waitFor(() => loads === 2);
    await waitFor(async () => (await watched.get()) !== first[0]);
    const reloaded = (await watched.get()) as Reader<CityResponse>;
    expect(reloaded.get('203.0.113.9')?.city?.names.en).toBe('Newtown');

    // fs.watchFile on a watched path returns that path's StatWatcher: its listeners are ours.
    const probe = (): void => undefined;
    const statWatcher = watchFile(path, { persistent: false }, probe);
    try {
      expect(statWatcher.listenerCount('change')).toBe(2);
      watched.close();
      expect(statWatcher.listenerCount('change')).toBe(1);
    } finally {
      unwatchFile(path, probe);
    }
    replaceFile(path, oneCityDatabase('Aftertown'));
    await sleep(FAST_WATCH_MS * 10);
    expect(loads).toBe(2);
    expect(await watched.get()).toBeNull();
  });

  it('returns null after close, and removes its file watchers', async () => {
    const { cityPath, countryPath } = writeDatabases();
    const { locator, warnings } = newLocator(cityPath, countryPath);
    expect(await locator.location('203.0.113.9')).toBe('Springfield, Freedonia');
    const probe = (): void => undefined;
    const watchers = [
      watchFile(cityPath, { persistent: false }, probe),
      watchFile(countryPath, { persistent: false }, probe),
    ];
    try {
      // The country database was opened too (the city one has no 192.0.2.0/24).
      expect(await locator.location('192.0.2.1')).toBe('Sylvania');
      expect(watchers.map((watcher) => watcher.listenerCount('change'))).toEqual([2, 2]);
      locator.close();
      locator.close(); // idempotent
      expect(watchers.map((watcher) => watcher.listenerCount('change'))).toEqual([1, 1]);
    } finally {
      unwatchFile(cityPath, probe);
      unwatchFile(countryPath, probe);
    }
    expect(await locator.location('203.0.113.9')).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('never keeps the process alive: a script that looks up and does not close exits on its own', async () => {
    const { cityPath, countryPath } = writeDatabases();
    const script = join(tempDir(), 'lookup.mts');
    const locatorModule = join(REPO_ROOT, 'lib/geoip/geoip-locator.ts');
    writeFileSync(
      script,
      [
        `import { GeoIpLocator } from ${JSON.stringify(locatorModule)};`,
        `const locator = new GeoIpLocator({ cityPath: ${JSON.stringify(cityPath)}, countryPath: ${JSON.stringify(countryPath)} }, console);`,
        `console.log(await locator.location('203.0.113.9'));`,
        `console.log(await locator.location('192.0.2.1'));`,
        '// No close(): the default 5 s watchers alone must let the process exit.',
      ].join('\n'),
    );
    const { NODE_OPTIONS: _jestFlags, ...env } = process.env;
    const started = Date.now();
    const stdout = await new Promise<string>((done, fail) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', script],
        { cwd: REPO_ROOT, env, timeout: 20_000 },
        (error, out, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : done(out)),
      );
    });
    expect(stdout).toBe('Springfield, Freedonia\nSylvania\n');
    // A persistent watcher would hold the process until the 20 s timeout kills it.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// MaxMind's official test databases (test/fixtures/geoip).

describe('GeoIpLocator on MaxMind official test databases', () => {
  let dir: string;

  beforeAll(() => {
    // Installed under the production names, to go through the folder + default-name path.
    dir = tempDir();
    copyFileSync(join(OFFICIAL, 'GeoLite2-City-Test.mmdb'), join(dir, 'GeoLite2-City.mmdb'));
    copyFileSync(join(OFFICIAL, 'GeoLite2-Country-Test.mmdb'), join(dir, 'GeoLite2-Country.mmdb'));
  });

  function official(): { locator: GeoIpLocator; warnings: string[] } {
    const paths = resolveGeoIpOptions(undefined, { GEOIP_PATH: dir });
    return newLocator(paths.cityPath, paths.countryPath);
  }

  it('locates 89.160.20.112 in Linköping, Sweden (django-qsessions test_location)', async () => {
    const { locator, warnings } = official();
    expect(await locator.location('89.160.20.112')).toBe('Linköping, Sweden');
    expect(await locator.location('::ffff:89.160.20.112')).toBe('Linköping, Sweden');
    expect(await locator.locationInfo('89.160.20.112')).toEqual({
      city: 'Linköping',
      countryCode: 'SE',
      countryName: 'Sweden',
      continentCode: 'EU',
      continentName: 'Europe',
      regionCode: 'E',
      regionName: 'Östergötland County',
      postalCode: null,
      latitude: 58.4167,
      longitude: 15.6167,
      accuracyRadius: 76,
      timeZone: 'Europe/Stockholm',
      isInEuropeanUnion: true,
    });
    expect(warnings).toEqual([]);
  });

  it('locates 2001:218:: in Japan, with no city', async () => {
    const { locator } = official();
    expect(await locator.location('2001:218::')).toBe('Japan');
    expect(await locator.locationInfo('2001:218::')).toMatchObject({
      city: null,
      countryCode: 'JP',
      countryName: 'Japan',
      continentCode: 'AS',
      timeZone: 'Asia/Tokyo',
      isInEuropeanUnion: false,
    });
  });

  it('gives null for 127.0.0.1, with one warning', async () => {
    const { locator, warnings } = official();
    expect(await locator.location('127.0.0.1')).toBeNull();
    expect(await locator.locationInfo('127.0.0.1')).toBeNull();
    expect(warnings).toEqual([
      'GeoIP has no location for 127.0.0.1 (a private, reserved or unlisted address); such addresses get a null location. This is reported once.',
    ]);
  });

  it('reads the country of the address, not the registered country, and the first subdivision', async () => {
    const { locator } = official();
    // 2.125.160.216: country GB (not in the EU), registered country FR (in the EU).
    expect(await locator.locationInfo('2.125.160.216')).toMatchObject({
      city: 'Boxford',
      countryCode: 'GB',
      regionCode: 'ENG',
      regionName: 'England',
      postalCode: 'OX1',
      isInEuropeanUnion: false,
    });
    expect(await locator.location('81.2.69.142')).toBe('London, United Kingdom');
  });

  it('falls back to the official country database for networks the city database lacks', async () => {
    const { locator } = official();
    const city = await maxmind.open<CityResponse>(join(dir, 'GeoLite2-City.mmdb'));
    const countryOnly = networksOf('GeoLite2-Country-Test.json').filter(
      ({ first, record }) => city.get(first) === null && objectPath(record, 'country', 'names', 'en') !== null,
    );
    expect(countryOnly.length).toBeGreaterThan(0);
    for (const { first, record } of countryOnly) {
      expect(await locator.location(first)).toBe(objectPath(record, 'country', 'names', 'en'));
    }
  });

  it.each(['GeoLite2-City-Test', 'GeoIP2-City-Test'])(
    'matches %s.json for the first and last address of every network',
    async (name) => {
      const { locator } = newLocator(join(OFFICIAL, `${name}.mmdb`), null);
      const networks = networksOf(`${name}.json`);
      expect(networks.length).toBeGreaterThan(200);
      for (const { network, first, last, record } of networks) {
        const expected = expectedInfo(record);
        for (const ip of [first, last]) {
          expect({ network, ip, info: await locator.locationInfo(ip) }).toEqual({ network, ip, info: expected });
        }
      }
    },
  );

  it.each(['GeoLite2-Country-Test', 'GeoIP2-Country-Test'])('matches %s.json for every network', async (name) => {
    const { locator } = newLocator(null, join(OFFICIAL, `${name}.mmdb`));
    for (const { network, first, record } of networksOf(`${name}.json`)) {
      const info = await locator.locationInfo(first);
      expect({ network, info }).toEqual({ network, info: expectedInfo(record) });
      if (info !== null) expect(info.city).toBeNull();
    }
  });
});

/** The networks of one of MaxMind's JSON sources, with the first and last address of each. */
function networksOf(file: string): { network: string; first: string; last: string; record: unknown }[] {
  const entries = JSON.parse(readFileSync(join(OFFICIAL, file), 'utf8')) as Record<string, unknown>[];
  return entries.flatMap((entry) =>
    Object.entries(entry).map(([network, record]) => ({ network, ...bounds(network), record })),
  );
}

/** The first and last address of a CIDR network. */
function bounds(cidr: string): { first: string; last: string } {
  const [address, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  if (!address.includes(':')) {
    const value = address.split('.').reduce((sum, octet) => sum * 256n + BigInt(octet), 0n);
    const hostBits = BigInt(32 - prefix);
    const first = (value >> hostBits) << hostBits;
    const last = first | ((1n << hostBits) - 1n);
    const dotted = (n: bigint) => [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 255n)).join('.');
    return { first: dotted(first), last: dotted(last) };
  }
  // Some sources write IPv4 networks inside IPv6 (`::214.0.0.0/120`): make the dotted tail hex.
  const hexAddress = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a, b, c, d) =>
    [Number(a) * 256 + Number(b), Number(c) * 256 + Number(d)].map((n) => n.toString(16)).join(':'),
  );
  const [head, tail] = hexAddress.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const value = groups.reduce((sum, group) => sum * 65536n + BigInt(parseInt(group, 16)), 0n);
  const hostBits = BigInt(128 - prefix);
  const first = (value >> hostBits) << hostBits;
  const last = first | ((1n << hostBits) - 1n);
  const text = (n: bigint) =>
    Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
  return { first: text(first), last: text(last) };
}

function objectPath(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return null;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current ?? null;
}

/** What LocationInfo must say for a record of MaxMind's JSON source, written out field by field. */
function expectedInfo(record: unknown): LocationInfo | null {
  const hasCountry = objectPath(record, 'country') !== null;
  const info = {
    city: objectPath(record, 'city', 'names', 'en'),
    countryCode: objectPath(record, 'country', 'iso_code'),
    countryName: objectPath(record, 'country', 'names', 'en'),
    continentCode: objectPath(record, 'continent', 'code'),
    continentName: objectPath(record, 'continent', 'names', 'en'),
    regionCode: objectPath(record, 'subdivisions', 0, 'iso_code'),
    regionName: objectPath(record, 'subdivisions', 0, 'names', 'en'),
    postalCode: objectPath(record, 'postal', 'code'),
    latitude: objectPath(record, 'location', 'latitude'),
    longitude: objectPath(record, 'location', 'longitude'),
    accuracyRadius: objectPath(record, 'location', 'accuracy_radius'),
    timeZone: objectPath(record, 'location', 'time_zone'),
    isInEuropeanUnion: hasCountry ? objectPath(record, 'country', 'is_in_european_union') === true : null,
  } as LocationInfo;
  return Object.values(info).some((value) => value !== null) ? info : null;
}
