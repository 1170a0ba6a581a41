import { parseArgs } from 'node:util';
import type { QSessionsCommand } from './command.js';
import { QSessionsCommandError } from './command-error.js';
import { formatBytes } from './geoip/download-progress.js';
import { downloadGeoIpDatabases } from './geoip/download-geoip-databases.js';
import { parseCommandLine, rawOptionValues } from './parse-command-line.js';
import { redactSecrets } from './redact.js';

const USAGE = `Usage: qsessions download-geoip-db [options]

Downloads MaxMind's GeoLite2-City and GeoLite2-Country databases into a folder, as
GeoLite2-City.mmdb and GeoLite2-Country.mmdb (the files nest-qsessions reads from GEOIP_PATH).
Each archive is checked before anything is replaced; the files are then replaced atomically,
and a running app picks them up by itself. If anything fails, the previous files stay.
Run it from cron (MaxMind publishes GeoLite2 updates twice a week).

Options:
  -k, --license-key <key>   MaxMind licence key. Default: $MAXMIND_LICENSE_KEY (prefer the
                            variable: command-line arguments are visible to other users in
                            the process list). The key is never printed.
  --path <folder>           Folder to write to (created if missing). Default: $GEOIP_PATH.
  --url-template <url>      Download URL, {edition} and {key} replaced. Default:
                            $QSESSIONS_GEOIP_URL_TEMPLATE, else MaxMind's
                            https://download.maxmind.com/app/geoip_download?edition_id={edition}&license_key={key}&suffix=tar.gz
  -h, --help                Show this help.

Progress goes to stderr, the files written to stdout.
Exit status: 0 both databases replaced, 1 download or check failed (nothing replaced),
2 usage error.
`;

/** `qsessions download-geoip-db`: the command line over {@link downloadGeoIpDatabases}. */
export const downloadGeoIpDbCommand: QSessionsCommand = {
  name: 'download-geoip-db',
  summary: "Download MaxMind's GeoLite2 City and Country databases into GEOIP_PATH",
  usage: USAGE,
  async run(args, io) {
    // Everything that may be a key is hidden from whatever this command prints.
    const secrets = [...rawOptionValues(args, 'license-key', 'k'), io.env.MAXMIND_LICENSE_KEY];
    try {
      const values = parseCommandLine(
        () =>
          parseArgs({
            args: [...args],
            options: {
              'license-key': { type: 'string', short: 'k' },
              path: { type: 'string' },
              'url-template': { type: 'string' },
            },
            strict: true,
            allowPositionals: true,
          }),
        secrets,
      );
      const installed = await downloadGeoIpDatabases({
        licenseKey: values['license-key'] ?? io.env.MAXMIND_LICENSE_KEY,
        path: values.path ?? io.env.GEOIP_PATH ?? '',
        urlTemplate: values['url-template'] ?? (io.env.QSESSIONS_GEOIP_URL_TEMPLATE || undefined),
        progress: io.stderr,
        signal: io.signal,
      });
      for (const database of installed) {
        io.stdout.write(
          `Saved ${database.edition} (${formatBytes(database.bytes)}, built ${database.buildEpoch.toISOString().slice(0, 10)}) to ${database.path}\n`,
        );
      }
      return 0;
    } catch (error) {
      if (error instanceof QSessionsCommandError) throw error;
      // Not one of ours: its text was not written with the key in mind, so hide it again.
      throw new QSessionsCommandError(
        redactSecrets(`unexpected error: ${(error as Error)?.stack ?? String(error)}`, secrets),
      );
    }
  },
};
