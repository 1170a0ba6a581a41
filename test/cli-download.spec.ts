import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadProgress, describeProgress, formatBytes } from '../lib/cli/geoip/download-progress.js';
import { expandUrlTemplate, MAXMIND_URL_TEMPLATE } from '../lib/cli/geoip/download-url.js';
import { parseCommandLine, rawOptionValues } from '../lib/cli/parse-command-line.js';
import { redactSecrets, redactUrlPassword } from '../lib/cli/redact.js';
import { downloadGeoIpDatabases, QSessionsCommandError, runQSessionsCli, type CliIo } from '../lib/cli/index.js';
import { parseArgs } from 'node:util';
import {
  maxmindArchive,
  OLD_CITY_DB,
  OLD_COUNTRY_DB,
  serveArchives,
  startGeoIpServer,
  TEST_CITY_DB,
  TEST_COUNTRY_DB,
  type GeoIpServer,
} from './support/geoip-server.js';

// The exported functions and the pieces of the download, in this process (the bin's own tests
// are test/cli-download.e2e.spec.ts).

const archives = {
  'GeoLite2-City': maxmindArchive('GeoLite2-City', TEST_CITY_DB),
  'GeoLite2-Country': maxmindArchive('GeoLite2-Country', TEST_COUNTRY_DB),
};
const folders: string[] = [];
const servers: GeoIpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folderWithPrevious(): string {
  const folder = mkdtempSync(join(tmpdir(), 'qsessions-download-'));
  folders.push(folder);
  writeFileSync(join(folder, 'GeoLite2-City.mmdb'), OLD_CITY_DB);
  writeFileSync(join(folder, 'GeoLite2-Country.mmdb'), OLD_COUNTRY_DB);
  return folder;
}

function expectPreviousInPlace(folder: string): void {
  expect(readFileSync(join(folder, 'GeoLite2-City.mmdb')).equals(OLD_CITY_DB)).toBe(true);
  expect(readFileSync(join(folder, 'GeoLite2-Country.mmdb')).equals(OLD_COUNTRY_DB)).toBe(true);
  expect(readdirSync(folder).sort()).toEqual(['GeoLite2-City.mmdb', 'GeoLite2-Country.mmdb']);
}

/** A text stream that keeps what is written, as a terminal or as a pipe. */
function output(isTTY = false): { text: string; isTTY: boolean; write(chunk: string): boolean } {
  return {
    text: '',
    isTTY,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

/** Serves the start of an archive, then stalls (the connection stays open). */
async function stallingServer(): Promise<GeoIpServer> {
  const archive = archives['GeoLite2-City'];
  const server = await startGeoIpServer((_request, _req, res) => {
    res.writeHead(200, { 'content-length': archive.length });
    res.write(archive.subarray(0, 2000));
  });
  servers.push(server);
  return server;
}

describe('downloadGeoIpDatabases()', () => {
  it('installs both databases and describes them', async () => {
    const folder = folderWithPrevious();
    const server = await startGeoIpServer(serveArchives('k-123456', archives));
    servers.push(server);

    const installed = await downloadGeoIpDatabases({
      path: folder,
      licenseKey: 'k-123456',
      urlTemplate: server.template,
    });

    expect(installed).toEqual([
      expect.objectContaining({
        edition: 'GeoLite2-City',
        path: join(folder, 'GeoLite2-City.mmdb'),
        bytes: TEST_CITY_DB.length,
        databaseType: 'GeoLite2-City',
      }),
      expect.objectContaining({
        edition: 'GeoLite2-Country',
        path: join(folder, 'GeoLite2-Country.mmdb'),
        bytes: TEST_COUNTRY_DB.length,
        databaseType: 'GeoLite2-Country',
      }),
    ]);
    expect(installed[0]!.buildEpoch).toBeInstanceOf(Date);
    expect(readFileSync(join(folder, 'GeoLite2-City.mmdb')).equals(TEST_CITY_DB)).toBe(true);
  });

  it('stops when its signal is aborted: nothing replaced, no temporary file left', async () => {
    const folder = folderWithPrevious();
    const server = await stallingServer();
    const controller = new AbortController();
    const progress = output();

    const download = downloadGeoIpDatabases({
      path: folder,
      licenseKey: 'k',
      urlTemplate: server.template,
      signal: controller.signal,
      progress,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();

    await expect(download).rejects.toThrow(/^Could not download GeoLite2-City from .*: interrupted\./);
    expect(progress.text).toMatch(/^GeoLite2-City: 2\.0 kB of [\d.]+ kB \(\d+%\)$/m);
    expectPreviousInPlace(folder);
  });

  it('gives up when no data arrives for idleTimeoutMs', async () => {
    const folder = folderWithPrevious();
    const server = await stallingServer();

    await expect(
      downloadGeoIpDatabases({ path: folder, licenseKey: 'k', urlTemplate: server.template, idleTimeoutMs: 300 }),
    ).rejects.toThrow('no data arrived for 300 ms');
    expectPreviousInPlace(folder);
  });

  it('hides even a short key in foreign text, but not inside its own words', async () => {
    const folder = folderWithPrevious();
    // A server that repeats the request in its error page, as some proxies do.
    const server = await startGeoIpServer((_request, req, res) => res.writeHead(401).end(`denied: ${req.url}`));
    servers.push(server);

    const error = (await downloadGeoIpDatabases({ path: folder, licenseKey: 'KEY', urlTemplate: server.template }).then(
      () => null,
      (caught: unknown) => caught,
    )) as QSessionsCommandError;

    expect(error).toBeInstanceOf(QSessionsCommandError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('license_key=...&suffix=tar.gz');
    expect(error.message).not.toContain('license_key=KEY');
    expect(error.message).toContain('MAXMIND_LICENSE_KEY');
    expectPreviousInPlace(folder);
  });

  it('refuses bad options with usage errors (exit code 2)', async () => {
    await expect(downloadGeoIpDatabases({ path: '', licenseKey: 'k' })).rejects.toMatchObject({ exitCode: 2 });
    await expect(downloadGeoIpDatabases({ path: tmpdir() })).rejects.toThrow('No MaxMind licence key');
    await expect(
      downloadGeoIpDatabases({ path: join(tmpdir(), 'GeoLite2-City.mmdb'), licenseKey: 'k' }),
    ).rejects.toThrow('is a database file; downloads need the folder');
    await expect(
      downloadGeoIpDatabases({ path: tmpdir(), licenseKey: 'k', urlTemplate: 'ftp://example.com/{edition}' }),
    ).rejects.toThrow('The download URL must be http:// or https://');
  });

  it('needs no key for a template without {key} (a mirror)', async () => {
    const folder = folderWithPrevious();
    const server = await startGeoIpServer(({ edition }, _req, res) =>
      res.end(archives[edition as keyof typeof archives]),
    );
    servers.push(server);

    const installed = await downloadGeoIpDatabases({
      path: folder,
      urlTemplate: server.template.replace('&license_key={key}', ''),
    });

    expect(installed).toHaveLength(2);
  });
});

describe('download URL template', () => {
  it("is MaxMind's, with the key URL-encoded, and shown with the key hidden", () => {
    const { url, display } = expandUrlTemplate(MAXMIND_URL_TEMPLATE, 'GeoLite2-City', 'ab+c/d');
    expect(url).toBe(
      'https://download.maxmind.com/app/geoip_download?edition_id=GeoLite2-City&license_key=ab%2Bc%2Fd&suffix=tar.gz',
    );
    expect(display).toBe(
      'https://download.maxmind.com/app/geoip_download?edition_id=GeoLite2-City&license_key=...&suffix=tar.gz',
    );
  });

  it('hides a key pasted into the template instead of {key}', () => {
    const secret = 'pasted-secret-1';
    const { display } = expandUrlTemplate(`https://mirror.example/{edition}?k=${secret}`, 'GeoLite2-City', secret);
    expect(display).toBe('https://mirror.example/GeoLite2-City?k=...');
    expect(() => expandUrlTemplate(`https://mirror.example/?k=${secret}`, 'GeoLite2-City', secret)).toThrow(
      'got "https://mirror.example/?k=..."',
    );
  });
});

describe('redaction', () => {
  it('replaces a secret as given and URL-encoded', () => {
    expect(redactSecrets('a=x+y/z b=x%2By%2Fz', ['x+y/z'])).toBe('a=... b=...');
    expect(redactSecrets('nothing to hide', [undefined, ''])).toBe('nothing to hide');
  });

  it("replaces a Redis URL's password", () => {
    expect(redactUrlPassword('redis://user:pa55@cache.internal:6380/2')).toBe('redis://user:...@cache.internal:6380/2');
    expect(redactUrlPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrlPassword('not a url with pa55')).not.toContain('pa55');
  });

  it('finds the values of an option in raw arguments, in every spelling', () => {
    expect(
      rawOptionValues(['-k', 'a', '-kb', '--license-key', 'c', '--license-key=d', '--', '-k', 'e'], 'license-key', 'k'),
    ).toEqual(['a', 'b', 'c', 'd']);
  });

  it('turns parse errors into usage errors without repeating a positional argument', () => {
    const parse = (args: string[]) =>
      parseCommandLine(
        () => parseArgs({ args, options: { path: { type: 'string' } }, strict: true, allowPositionals: true }),
        ['s3cret'],
      );
    expect(() => parse(['s3cret'])).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parse(['s3cret'])).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
    expect(() => parse(['--pth=x'])).toThrow("Unknown option '--pth'");
    expect(parse(['--path', '/var/lib/geoip'])).toEqual({ path: '/var/lib/geoip' });
  });
});

describe('DownloadProgress', () => {
  it('writes whole lines when not on a terminal, at most every 2 s, and the final state once', () => {
    let now = 0;
    const out = output(false);
    const progress = new DownloadProgress(out, 'GeoLite2-City', 50_000_000, () => now);
    progress.update(1_000_000);
    now = 1000;
    progress.update(20_000_000);
    now = 2500;
    progress.update(30_000_000);
    progress.update(50_000_000);
    progress.finish();
    progress.finish();
    expect(out.text).toBe(
      [
        'GeoLite2-City: 1.0 MB of 50.0 MB (2%)',
        'GeoLite2-City: 30.0 MB of 50.0 MB (60%)',
        'GeoLite2-City: 50.0 MB of 50.0 MB (100%)',
        '',
      ].join('\n'),
    );
  });

  it('does not repeat a final state already shown', () => {
    const out = output(false);
    const progress = new DownloadProgress(out, 'X', 10, () => 0);
    progress.update(10);
    progress.finish();
    expect(out.text).toBe('X: 10 B of 10 B (100%)\n');
  });

  it('redraws one line on a terminal, and ends it', () => {
    let now = 0;
    const out = output(true);
    const progress = new DownloadProgress(out, 'GeoLite2-Country', null, () => now);
    progress.update(1500);
    now = 100;
    progress.update(2500); // within 200 ms: not shown
    now = 300;
    progress.update(3_500_000);
    progress.finish();
    expect(out.text).toBe(
      '\rGeoLite2-Country: 1.5 kB\x1b[K\rGeoLite2-Country: 3.5 MB\x1b[K\rGeoLite2-Country: 3.5 MB\x1b[K\n',
    );
  });

  it('ends a redrawn line when the download fails', () => {
    const out = output(true);
    const progress = new DownloadProgress(out, 'X', 100, () => 0);
    progress.update(5);
    progress.abandon();
    expect(out.text).toBe('\rX: 5 B of 100 B (5%)\x1b[K\n');
  });

  it('formats sizes and percentages', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(61_234_567)).toBe('61.2 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
    expect(describeProgress(5, 0)).toBe('5 B');
    expect(describeProgress(150, 100)).toBe('150 B of 100 B (100%)');
  });
});

describe('runQSessionsCli()', () => {
  function io(
    env: NodeJS.ProcessEnv = {},
  ): CliIo & { stdout: ReturnType<typeof output>; stderr: ReturnType<typeof output> } {
    return { stdout: output(), stderr: output(), env };
  }

  it('resolves to the exit code and writes to the streams it is given', async () => {
    const help = io();
    expect(await runQSessionsCli(['--help'], help)).toBe(0);
    expect(help.stdout.text).toContain('Usage: qsessions <command> [options]');

    const commandHelp = io();
    expect(await runQSessionsCli(['help', 'clear-expired'], commandHelp)).toBe(0);
    expect(commandHelp.stdout.text).toContain('Usage: qsessions clear-expired');

    const unknown = io();
    expect(await runQSessionsCli(['nope'], unknown)).toBe(2);
    expect(unknown.stderr.text).toContain('qsessions: unknown command "nope".');
    expect(unknown.stdout.text).toBe('');
  });

  it('reads the defaults from the env it is given, not from process.env', async () => {
    const folder = folderWithPrevious();
    const server = await startGeoIpServer(serveArchives('env-key-1', archives));
    servers.push(server);
    const streams = io({
      MAXMIND_LICENSE_KEY: 'env-key-1',
      GEOIP_PATH: folder,
      QSESSIONS_GEOIP_URL_TEMPLATE: server.template,
    });

    expect(await runQSessionsCli(['download-geoip-db'], streams)).toBe(0);
    expect(streams.stdout.text).toContain(`to ${join(folder, 'GeoLite2-City.mmdb')}`);
    expect(streams.stderr.text).not.toContain('env-key-1');
  });

  it('prints a usage error with the command usage, exit 2', async () => {
    const streams = io();
    expect(await runQSessionsCli(['clear-expired', '--batch-size', '10'], streams)).toBe(2);
    expect(streams.stderr.text).toContain(
      'qsessions clear-expired: Give your TypeORM data source file with -d/--dataSource',
    );
    expect(streams.stderr.text).toContain('Usage: qsessions clear-expired');
  });
});
