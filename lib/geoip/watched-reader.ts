import { type Stats, unwatchFile, watchFile } from 'node:fs';
import maxmind, { type CityResponse, type Reader } from 'maxmind';
import type { WarnOncePerKind } from './warn-once-per-kind.js';

/** Opens a MaxMind DB file; `maxmind.open` by default (tests may wrap it to count opens). */
export type MmdbLoader = (path: string) => Promise<Reader<CityResponse>>;

/** How a {@link WatchedReader} opens and watches its file. */
export interface WatchedReaderOptions {
  /** Which database this is, for messages: `city` or `country`. */
  label: string;
  /** What happens while the file cannot be used, for messages: e.g. "locations will be null". */
  consequence: string;
  /** How often the file is polled for replacement, in ms (fs.watchFile's own default is ~5 s). */
  intervalMs: number;
  /** One-warning-per-kind printer shared by the locator. */
  warnings: WarnOncePerKind;
  /** Opens the file. Default: `maxmind.open` (without its own watcher, see below). */
  load?: MmdbLoader;
}

const defaultLoad: MmdbLoader = (path) => maxmind.open<CityResponse>(path);
const NOT_READABLE = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'EMFILE', 'ENFILE', 'EIO']);

/**
 * One MaxMind DB file: opened on first use (concurrent first uses share the one open), kept in
 * memory, and swapped for a fresh reader when the file is replaced.
 *
 * We watch the file ourselves instead of passing `watchForUpdates` to `maxmind.open`, because
 * maxmind's watcher (5.0.7) reloads inside an async stat callback with no error handling: a file
 * replaced by a damaged or half-copied one throws an unhandled rejection, which ends a Node 20
 * process, after `reader.load()` has already swapped in the broken buffer. Here a replacement
 * is parsed into a new reader and swapped in only if it loads; otherwise the previous version
 * keeps answering. Our watcher is also non-persistent (it never keeps the process alive),
 * removed on {@link close} by its own listener (another reader of the same path keeps its
 * watcher), and started before the first open, so a database that is missing at start-up is
 * picked up as soon as it appears (after `qsessions download-geoip-db`), with no restart and
 * no per-request retry.
 */
export class WatchedReader {
  private reader: Reader<CityResponse> | null = null;
  private opening: Promise<void> | null = null;
  private watching = false;
  private closed = false;
  // Each load gets a number; a load that finishes after a newer one started is dropped.
  private loads = 0;
  private readonly load: MmdbLoader;

  constructor(
    /** Absolute path of the database file. */
    readonly path: string,
    private readonly options: WatchedReaderOptions,
  ) {
    this.load = options.load ?? defaultLoad;
  }

  /** The reader, opening the file on first use; null while the file is missing or unusable. */
  async get(): Promise<Reader<CityResponse> | null> {
    if (this.closed) return null;
    if (this.opening === null) {
      this.startWatching();
      this.opening = this.reload();
    }
    await this.opening;
    return this.reader;
  }

  /** Stops watching the file and drops the reader. Later calls to {@link get} return null. */
  close(): void {
    this.closed = true;
    this.reader = null;
    if (this.watching) unwatchFile(this.path, this.onChange);
    this.watching = false;
  }

  /** Warning kinds of this file start with this prefix (to re-arm them when it loads again). */
  private get kindPrefix(): string {
    return `file:${this.path}:`;
  }

  private startWatching(): void {
    watchFile(this.path, { persistent: false, interval: this.options.intervalMs }, this.onChange);
    this.watching = true;
  }

  // An arrow function, so the very same listener can be passed to unwatchFile.
  private readonly onChange = (current: Stats): void => {
    // A removed file: keep answering from the version in memory until a new file arrives.
    if (this.closed || (current.ino === 0 && current.mtimeMs === 0)) return;
    void this.reload();
  };

  /** Loads the file into a new reader and swaps it in; never throws. */
  private async reload(): Promise<void> {
    const load = ++this.loads;
    const { label, consequence, warnings } = this.options;
    try {
      const reader = await this.load(this.path);
      checkMetadata(reader);
      if (this.closed || load !== this.loads) return;
      this.reader = reader;
      warnings.forget(this.kindPrefix);
    } catch (error) {
      if (this.closed || load !== this.loads) return;
      const reason = error instanceof Error ? error.message : String(error);
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (this.reader !== null) {
        // A replacement that does not load (perhaps still being copied: then the next change is
        // picked up when the copy completes). The previous version keeps answering.
        warnings.warn(
          `${this.kindPrefix}reload`,
          `GeoIP ${label} database at ${this.path} was replaced by a file that cannot be loaded (${reason}); still using the previous version. Replace it with a complete .mmdb file (write it elsewhere, then rename it into place).`,
        );
      } else if (code === 'ENOENT') {
        warnings.warn(
          `${this.kindPrefix}missing`,
          `GeoIP ${label} database not found at ${this.path}; ${consequence}. Download it with \`qsessions download-geoip-db\` or set GEOIP_PATH (or the geoip.path option) to the folder that holds it.`,
        );
      } else if (code !== undefined && NOT_READABLE.has(code)) {
        warnings.warn(
          `${this.kindPrefix}unreadable`,
          `GeoIP ${label} database at ${this.path} cannot be read (${reason}); ${consequence}. Make it a file this process can read, or fix the path.`,
        );
      } else {
        warnings.warn(
          `${this.kindPrefix}corrupt`,
          `GeoIP ${label} database at ${this.path} is not a valid MaxMind DB file (${reason}); ${consequence}. Download it again with \`qsessions download-geoip-db\` (an .mmdb file, not the .tar.gz archive).`,
        );
      }
    }
  }
}

/**
 * Refuses a file that parsed but cannot be a MaxMind DB v2 (mmdb-lib finds the metadata marker
 * and trusts the rest): better one warning at load than wrong answers per request.
 */
function checkMetadata(reader: Reader<CityResponse>): void {
  const { binaryFormatMajorVersion, ipVersion, nodeCount } = reader.metadata;
  if (binaryFormatMajorVersion !== 2 || (ipVersion !== 4 && ipVersion !== 6) || !Number.isSafeInteger(nodeCount)) {
    throw new Error(
      `unexpected metadata: format version ${String(binaryFormatMajorVersion)}, IP version ${String(ipVersion)}`,
    );
  }
}
