import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_GEOIP_CITY, DEFAULT_GEOIP_COUNTRY } from '../../geoip/geoip-options.js';
import type { TextOutput } from '../cli-io.js';
import { QSessionsCommandError } from '../command-error.js';
import { removeTempFile, replaceFile, syncFolder } from './atomic-file.js';
import { downloadEdition, type StagedDatabase } from './download-edition.js';
import { expandUrlTemplate, MAXMIND_URL_TEMPLATE, templateNeedsKey } from './download-url.js';

/** The databases downloaded, and the file each becomes: the names the GeoIP locator reads by default. */
const EDITIONS = [
  { edition: 'GeoLite2-City', fileName: DEFAULT_GEOIP_CITY },
  { edition: 'GeoLite2-Country', fileName: DEFAULT_GEOIP_COUNTRY },
] as const;

/** Options of {@link downloadGeoIpDatabases}. */
export interface DownloadGeoIpDatabasesOptions {
  /** Folder to put the databases in (created if missing): what the app reads as `GEOIP_PATH`. */
  path: string;
  /** MaxMind licence key; needed when the URL template has `{key}` (the default one has). */
  licenseKey?: string;
  /**
   * Download address with `{edition}` and `{key}` placeholders. Default: MaxMind's
   * `https://download.maxmind.com/app/geoip_download?edition_id={edition}&license_key={key}&suffix=tar.gz`.
   */
  urlTemplate?: string;
  /** Where to show progress (bytes and percent); default none. The command line uses stderr. */
  progress?: TextOutput | null;
  /** Stops the download; nothing is replaced and temporary files are removed. */
  signal?: AbortSignal;
  /** Give up on a download when no data arrives for this long. Default 60 000 ms. */
  idleTimeoutMs?: number;
}

/** One database now in place. */
export interface DownloadedGeoIpDatabase {
  /** MaxMind edition id, e.g. `GeoLite2-City`. */
  edition: string;
  /** Absolute path of the installed .mmdb file. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** Its `database_type` metadata. */
  databaseType: string;
  /** When MaxMind built it. */
  buildEpoch: Date;
}

/**
 * Downloads MaxMind's GeoLite2-City and GeoLite2-Country databases into a folder, as
 * `qsessions download-geoip-db` does. Both are downloaded and checked first (each must be a
 * .tar.gz holding one .mmdb file that the `maxmind` package opens), then each replaces the old
 * file atomically (temporary file in the same folder, fsync, rename). If anything fails,
 * neither file is replaced, and the error (a {@link QSessionsCommandError}) says why, never
 * showing the licence key. A running app picks the new files up by itself (it watches them).
 */
export async function downloadGeoIpDatabases(
  options: DownloadGeoIpDatabasesOptions,
): Promise<DownloadedGeoIpDatabase[]> {
  const { template, key } = checkDownloadOptions(options);
  const folder = await createFolder(options.path);
  const staged = await stageEditions(folder, template, key, options);
  const installed: DownloadedGeoIpDatabase[] = [];
  for (const [index, database] of staged.entries()) {
    const path = join(folder, EDITIONS[index]!.fileName);
    try {
      await replaceFile(database.path, path);
    } catch (error) {
      await Promise.all(staged.slice(index).map((rest) => removeTempFile(rest.path)));
      throw new QSessionsCommandError(
        `Cannot move the new ${database.edition} database into place at ${path}: ${(error as Error).message}.`,
      );
    }
    const { edition, bytes, databaseType, buildEpoch } = database;
    installed.push({ edition, path, bytes, databaseType, buildEpoch });
  }
  await syncFolder(folder);
  return installed;
}

/** The URL template and licence key, once the options are known to make a download possible. */
function checkDownloadOptions(options: DownloadGeoIpDatabasesOptions): { template: string; key?: string } {
  if (typeof options.path !== 'string' || options.path.trim() === '') {
    throw new QSessionsCommandError(
      'No folder for the GeoIP databases: give --path (or set GEOIP_PATH) to the folder your app reads them from.',
      2,
    );
  }
  if (options.path.toLowerCase().endsWith('.mmdb')) {
    // GEOIP_PATH may name one database file for the app (see resolveGeoIpOptions); a download
    // writes two files, so it needs their folder.
    throw new QSessionsCommandError(
      `The GeoIP path ${JSON.stringify(options.path)} is a database file; downloads need the folder to write ` +
        'GeoLite2-City.mmdb and GeoLite2-Country.mmdb into: give --path <folder>.',
      2,
    );
  }
  const template = options.urlTemplate ?? MAXMIND_URL_TEMPLATE;
  const key = options.licenseKey?.trim() || undefined;
  if (templateNeedsKey(template) && !key) {
    throw new QSessionsCommandError(
      'No MaxMind licence key: set MAXMIND_LICENSE_KEY (preferred: arguments show up in the process list) or ' +
        'give -k/--license-key. A free GeoLite2 account has one: https://www.maxmind.com/en/geolite2/signup',
      2,
    );
  }
  return { template, key };
}

async function createFolder(path: string): Promise<string> {
  const folder = resolve(path);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new QSessionsCommandError(
      `Cannot create the GeoIP folder ${folder}: ${(error as Error).message}. Give a folder this user can write to.`,
    );
  }
  return folder;
}

/** Every edition downloaded and checked into its temporary file, or none (all or nothing). */
async function stageEditions(
  folder: string,
  template: string,
  key: string | undefined,
  options: DownloadGeoIpDatabasesOptions,
): Promise<StagedDatabase[]> {
  const staged: StagedDatabase[] = [];
  try {
    for (const { edition, fileName } of EDITIONS) {
      staged.push(
        await downloadEdition({
          edition,
          fileName,
          url: expandUrlTemplate(template, edition, key),
          folder,
          progress: options.progress ?? null,
          secrets: key ? [key] : [],
          signal: options.signal,
          idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
        }),
      );
    }
  } catch (error) {
    // An edition already downloaded is dropped, so the pair stays consistent.
    await Promise.all(staged.map((database) => removeTempFile(database.path)));
    throw error;
  }
  return staged;
}
