import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import maxmind, { type CityResponse } from 'maxmind';
import { buildCli } from './support/cli-build.js';
import {
  maxmindArchive,
  OLD_CITY_DB,
  OLD_COUNTRY_DB,
  serveArchives,
  startGeoIpServer,
  TEST_CITY_DB,
  TEST_COUNTRY_DB,
  type DownloadHandler,
  type GeoIpServer,
} from './support/geoip-server.js';
import { runBin, type BinResult } from './support/run-bin.js';
import { writeTarGz } from './support/tar-writer.js';

// `qsessions download-geoip-db` end to end: the built bin, run as a separate process, against
// a loopback server that behaves like MaxMind's (401 for a bad key, a redirect to the file).

const KEY = `Qs${randomBytes(12).toString('hex')}_testkey`;
const GOOD_ARCHIVES = {
  'GeoLite2-City': maxmindArchive('GeoLite2-City', TEST_CITY_DB),
  'GeoLite2-Country': maxmindArchive('GeoLite2-Country', TEST_COUNTRY_DB),
};

const roots: string[] = [];
const servers: GeoIpServer[] = [];

beforeAll(async () => {
  await buildCli();
}, 180_000);
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
afterAll(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A fresh folder tree: `<root>/srv/geoip` is the GeoIP folder, so `../../x` from it stays inside root. */
function geoipFolder(withPrevious = false): { root: string; folder: string } {
  const root = mkdtempSync(join(tmpdir(), 'qsessions-cli-download-'));
  roots.push(root);
  const folder = join(root, 'srv', 'geoip');
  mkdirSync(folder, { recursive: true });
  if (withPrevious) {
    writeFileSync(join(folder, 'GeoLite2-City.mmdb'), OLD_CITY_DB);
    writeFileSync(join(folder, 'GeoLite2-Country.mmdb'), OLD_COUNTRY_DB);
  }
  return { root, folder };
}

async function server(handler: DownloadHandler): Promise<GeoIpServer> {
  const started = await startGeoIpServer(handler);
  servers.push(started);
  return started;
}

function download(
  folder: string,
  template: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<BinResult> {
  return runBin(['download-geoip-db', '-k', KEY, '--path', folder, '--url-template', template, ...extra], { env });
}

/** Every file (not folder) under a folder, relative to it. */
function allFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(root, name)).isFile())
    .sort();
}

function expectKeyNeverPrinted(result: BinResult): void {
  expect(result.stdout).not.toContain(KEY);
  expect(result.stderr).not.toContain(KEY);
}

/** The failure left the previous databases exactly as they were, and no temporary file. */
function expectPreviousInPlace(folder: string): void {
  expect(readFileSync(join(folder, 'GeoLite2-City.mmdb')).equals(OLD_CITY_DB)).toBe(true);
  expect(readFileSync(join(folder, 'GeoLite2-Country.mmdb')).equals(OLD_COUNTRY_DB)).toBe(true);
  expect(readdirSync(folder).sort()).toEqual(['GeoLite2-City.mmdb', 'GeoLite2-Country.mmdb']);
}

describe('qsessions download-geoip-db (built bin)', () => {
  it('downloads both databases, replaces the previous ones, shows progress, and never prints the key', async () => {
    const { folder } = geoipFolder(true);
    const maxmindServer = await server(serveArchives(KEY, GOOD_ARCHIVES));

    const result = await download(folder, maxmindServer.template);

    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(readFileSync(join(folder, 'GeoLite2-City.mmdb')).equals(TEST_CITY_DB)).toBe(true);
    expect(readFileSync(join(folder, 'GeoLite2-Country.mmdb')).equals(TEST_COUNTRY_DB)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['GeoLite2-City.mmdb', 'GeoLite2-Country.mmdb']);
    // What the app will do with them: open them with maxmind and look an address up.
    const city = await maxmind.open<CityResponse>(join(folder, 'GeoLite2-City.mmdb'));
    expect(city.get('81.2.69.142')?.city?.names.en).toBe('London');
    const country = await maxmind.open<CityResponse>(join(folder, 'GeoLite2-Country.mmdb'));
    expect(country.get('81.2.69.142')?.country?.iso_code).toBe('GB');

    // Progress on stderr (not a TTY here: whole lines), with bytes and percent, for each edition.
    for (const edition of ['GeoLite2-City', 'GeoLite2-Country']) {
      expect(result.stderr).toContain(`Downloading ${edition} from http://127.0.0.1:`);
      expect(result.stderr).toMatch(new RegExp(`^${edition}: [\\d.]+ kB of [\\d.]+ kB \\(100%\\)$`, 'm'));
      expect(result.stdout).toMatch(
        new RegExp(
          `^Saved ${edition} \\([\\d.]+ kB, built \\d{4}-\\d\\d-\\d\\d\\) to ${folder}/${edition}\\.mmdb$`,
          'm',
        ),
      );
    }
    expect(result.stderr).not.toContain('\r');
    // The URL is shown with the key replaced; the server did get the key.
    expect(result.stderr).toContain('license_key=...&suffix=tar.gz');
    expect(maxmindServer.requests.filter((path) => path.includes(`license_key=${KEY}`))).toHaveLength(2);
    expectKeyNeverPrinted(result);
  });

  it('takes the key, folder and URL template from MAXMIND_LICENSE_KEY, GEOIP_PATH and QSESSIONS_GEOIP_URL_TEMPLATE', async () => {
    const { folder } = geoipFolder();
    const maxmindServer = await server(serveArchives(KEY, GOOD_ARCHIVES));

    const result = await runBin(['download-geoip-db'], {
      env: { MAXMIND_LICENSE_KEY: KEY, GEOIP_PATH: folder, QSESSIONS_GEOIP_URL_TEMPLATE: maxmindServer.template },
    });

    expect(result.code).toBe(0);
    expect(readFileSync(join(folder, 'GeoLite2-City.mmdb')).equals(TEST_CITY_DB)).toBe(true);
    expect(readFileSync(join(folder, 'GeoLite2-Country.mmdb')).equals(TEST_COUNTRY_DB)).toBe(true);
    expectKeyNeverPrinted(result);
  });

  it('creates the folder when it does not exist', async () => {
    const { folder } = geoipFolder();
    const maxmindServer = await server(serveArchives(KEY, GOOD_ARCHIVES));
    const nested = join(folder, 'new', 'dir');

    const result = await download(nested, maxmindServer.template);

    expect(result.code).toBe(0);
    expect(readdirSync(nested).sort()).toEqual(['GeoLite2-City.mmdb', 'GeoLite2-Country.mmdb']);
  });

  it('fails on a refused key (HTTP 401) with a clear message, exit 1, the key hidden and the previous databases in place', async () => {
    const { folder } = geoipFolder(true);
    const maxmindServer = await server(serveArchives('the-right-key', GOOD_ARCHIVES));

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('qsessions download-geoip-db: Could not download GeoLite2-City');
    expect(result.stderr).toContain(
      'the licence key was refused (HTTP 401 Unauthorized; the server said: "Invalid license key")',
    );
    expect(result.stderr).toContain('MAXMIND_LICENSE_KEY');
    expect(result.stdout).toBe('');
    expectKeyNeverPrinted(result);
    expectPreviousInPlace(folder);
  });

  it('fails on HTTP 403 the same way', async () => {
    const { folder } = geoipFolder(true);
    const maxmindServer = await server((_request, _req, res) => res.writeHead(403).end());

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the licence key was refused (HTTP 403 Forbidden)');
    expectKeyNeverPrinted(result);
    expectPreviousInPlace(folder);
  });

  it('fails on a network error (nothing listening) with exit 1 and the previous databases in place', async () => {
    const { folder } = geoipFolder(true);
    const closed = await server(serveArchives(KEY, GOOD_ARCHIVES));
    await closed.close();

    const result = await download(folder, closed.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Could not download GeoLite2-City from http:\/\/127\.0\.0\.1:\d+\/app\/geoip_download\?edition_id=GeoLite2-City&license_key=\.\.\.&suffix=tar\.gz: network error \(.*ECONNREFUSED/,
    );
    expectKeyNeverPrinted(result);
    expectPreviousInPlace(folder);
  });

  it('fails when the connection breaks in the middle of the file', async () => {
    const { folder } = geoipFolder(true);
    const archive = GOOD_ARCHIVES['GeoLite2-City'];
    const maxmindServer = await server((_request, _req, res) => {
      res.writeHead(200, { 'content-length': archive.length });
      res.write(archive.subarray(0, archive.length / 2), () => res.socket?.destroy());
    });

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Could not download GeoLite2-City');
    expect(result.stderr).toContain('network error');
    expectKeyNeverPrinted(result);
    expectPreviousInPlace(folder);
  });

  it('fails on a download that is not gzip', async () => {
    const { folder } = geoipFolder(true);
    const maxmindServer = await server((_request, _req, res) => res.end('<html>Maintenance</html>'));

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the download is not a valid .tar.gz archive (gzip: incorrect header check)');
    expectKeyNeverPrinted(result);
    expectPreviousInPlace(folder);
  });

  it('fails on a truncated gzip (the .mmdb may already have been read whole)', async () => {
    const { folder } = geoipFolder(true);
    const archive = GOOD_ARCHIVES['GeoLite2-City'];
    const maxmindServer = await server((_request, _req, res) => res.end(archive.subarray(0, archive.length - 6)));

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the download is not a valid .tar.gz archive (gzip: unexpected end of file)');
    expectPreviousInPlace(folder);
  });

  it('fails on an archive without a .mmdb file', async () => {
    const { folder } = geoipFolder(true);
    const archive = writeTarGz([{ name: 'GeoLite2-City_20240102/README.txt', content: 'nothing here' }]);
    const maxmindServer = await server((_request, _req, res) => res.end(archive));

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Could not download GeoLite2-City');
    expect(result.stderr).toContain('the archive holds no .mmdb file');
    expectPreviousInPlace(folder);
  });

  it('fails on an archive whose .mmdb the maxmind package cannot open', async () => {
    const { folder } = geoipFolder(true);
    const archive = maxmindArchive('GeoLite2-City', randomBytes(4096));
    const maxmindServer = await server((_request, _req, res) => res.end(archive));

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the .mmdb file in the archive cannot be used (');
    expectPreviousInPlace(folder);
  });

  it('fails on an archive that holds the wrong database (country for city)', async () => {
    const { folder } = geoipFolder(true);
    const archive = maxmindArchive('GeoLite2-City', TEST_COUNTRY_DB);
    const maxmindServer = await server((_request, _req, res) => res.end(archive));

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('it is a "GeoLite2-Country" database, not a City database');
    expectPreviousInPlace(folder);
  });

  it('replaces neither database when the second download fails after the first succeeded', async () => {
    const { folder } = geoipFolder(true);
    const maxmindServer = await server(
      serveArchives(KEY, { ...GOOD_ARCHIVES, 'GeoLite2-Country': Buffer.from('not an archive') }),
    );

    const result = await download(folder, maxmindServer.template);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^GeoLite2-City: .*\(100%\)$/m);
    expect(result.stderr).toContain('Could not download GeoLite2-Country');
    expectPreviousInPlace(folder);
  });

  it('writes an entry named ../../evil.mmdb only as <folder>/GeoLite2-City.mmdb, nothing outside the folder', async () => {
    const { root, folder } = geoipFolder(true);
    const evil = writeTarGz([
      // A link named like the database, pointing outside: ignored (only regular files count).
      { name: 'GeoLite2-City.mmdb', type: 'symlink', linkName: '/etc/passwd' },
      { name: '../../evil.mmdb', content: TEST_CITY_DB },
    ]);
    const absolute = writeTarGz([{ name: join(root, 'absolute.mmdb'), content: TEST_COUNTRY_DB }]);
    const maxmindServer = await server(({ edition }, _req, res) =>
      res.end(edition === 'GeoLite2-City' ? evil : absolute),
    );

    // Run from inside the folder too: a name resolved against the working directory would escape.
    const result = await runBin(
      ['download-geoip-db', '-k', KEY, '--path', '.', '--url-template', maxmindServer.template],
      {
        cwd: folder,
      },
    );

    expect(result.code).toBe(0);
    expect(readFileSync(join(folder, 'GeoLite2-City.mmdb')).equals(TEST_CITY_DB)).toBe(true);
    expect(readFileSync(join(folder, 'GeoLite2-Country.mmdb')).equals(TEST_COUNTRY_DB)).toBe(true);
    expect(allFiles(root)).toEqual(['srv/geoip/GeoLite2-City.mmdb', 'srv/geoip/GeoLite2-Country.mmdb']);
  });

  it('stops on Ctrl-C (SIGINT) with exit 130, removing its temporary file, the previous databases in place', async () => {
    const { folder } = geoipFolder(true);
    const archive = GOOD_ARCHIVES['GeoLite2-City'];
    // Sends part of the file, then nothing: the download hangs, as on a stalled connection.
    const maxmindServer = await server((_request, _req, res) => {
      res.writeHead(200, { 'content-length': archive.length });
      res.write(archive.subarray(0, 3000));
    });
    let interrupted = false;

    const result = await runBin(
      ['download-geoip-db', '-k', KEY, '--path', folder, '--url-template', maxmindServer.template],
      {
        onStderr: (child, stderr) => {
          // Once the first bytes are counted, the temporary file may exist: interrupt then.
          if (!interrupted && /^GeoLite2-City: /m.test(stderr)) {
            interrupted = true;
            setTimeout(() => child.kill('SIGINT'), 200);
          }
        },
      },
    );

    expect(interrupted).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Could not download GeoLite2-City');
    expect(result.stderr).toContain('interrupted');
    expectPreviousInPlace(folder);
  });

  it('refuses to run without a key or a folder (exit 2, usage)', async () => {
    const { folder } = geoipFolder();

    const noKey = await runBin(['download-geoip-db', '--path', folder]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('No MaxMind licence key: set MAXMIND_LICENSE_KEY');
    expect(noKey.stderr).toContain('Usage: qsessions download-geoip-db');

    const noFolder = await runBin(['download-geoip-db'], { env: { MAXMIND_LICENSE_KEY: KEY } });
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain('No folder for the GeoIP databases: give --path (or set GEOIP_PATH)');
    expectKeyNeverPrinted(noFolder);
  });

  it('does not repeat a key given without its option, nor one given to a misspelt option', async () => {
    const { folder } = geoipFolder();

    const positional = await runBin(['download-geoip-db', KEY, '--path', folder]);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toContain('This command takes only options');
    expectKeyNeverPrinted(positional);

    const misspelt = await runBin(['download-geoip-db', `--licence-key=${KEY}`, '--path', folder]);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain("Unknown option '--licence-key'");
    expectKeyNeverPrinted(misspelt);
  });

  it('refuses a URL template without {edition}', async () => {
    const { folder } = geoipFolder(true);

    const result = await download(folder, `http://127.0.0.1:9/download?key={key}`);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The download URL template must contain {edition}');
    expectPreviousInPlace(folder);
  });
});

describe('qsessions command line (built bin)', () => {
  it("prints the usage for --help and for each command's --help", async () => {
    const main = await runBin(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Usage: qsessions <command> [options]');
    expect(main.stdout).toMatch(/^ {2}download-geoip-db {3}/m);
    expect(main.stdout).toMatch(/^ {2}clear-expired {7}/m);

    const downloadHelp = await runBin(['download-geoip-db', '--help']);
    expect(downloadHelp.code).toBe(0);
    expect(downloadHelp.stdout).toContain('Usage: qsessions download-geoip-db [options]');
    expect(downloadHelp.stdout).toContain('-k, --license-key <key>');

    const clearHelp = await runBin(['clear-expired', '-h']);
    expect(clearHelp.code).toBe(0);
    expect(clearHelp.stdout).toContain('Usage: qsessions clear-expired -d <data-source-file> [options]');
    expect(clearHelp.stdout).toContain('setQSessionUserEntity(User)');
  });

  it('answers an unknown command, or none, with the usage on stderr and exit 2', async () => {
    const unknown = await runBin(['clear-sessions']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('qsessions: unknown command "clear-sessions".');
    expect(unknown.stderr).toContain('Usage: qsessions <command> [options]');
    expect(unknown.stdout).toBe('');

    const none = await runBin([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: qsessions <command> [options]');
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const result = await runBin(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});
