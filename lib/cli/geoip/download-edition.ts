import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import type { TextOutput } from '../cli-io.js';
import { QSessionsCommandError } from '../command-error.js';
import { redactSecrets } from '../redact.js';
import { FileTooLargeError, removeTempFile, tempPathFor, writeTempFile } from './atomic-file.js';
import { checkMmdbFile, type MmdbSummary } from './check-mmdb.js';
import { DownloadProgress } from './download-progress.js';
import type { DownloadUrl } from './download-url.js';
import { readTar, TarFormatError } from './tar-reader.js';

/** A GeoLite2 database is about 60 MB; anything past this is a broken or hostile download. */
const MAX_DATABASE_BYTES = 1024 ** 3;

/** What one edition's download needs. */
export interface EditionDownload {
  /** MaxMind edition id, e.g. `GeoLite2-City`. */
  edition: string;
  /** Its address (the real one, and the printable one). */
  url: DownloadUrl;
  /** Folder the database goes to; the temporary file is written there too. */
  folder: string;
  /** Final file name, e.g. `GeoLite2-City.mmdb` (only the temporary file's name derives from it). */
  fileName: string;
  /** Where progress goes, or null for none. */
  progress: TextOutput | null;
  /** Texts to hide from every message (the licence key). */
  secrets: readonly string[];
  /** Stops the download early (the temporary file is removed). */
  signal?: AbortSignal;
  /** Give up when no data arrives for this long. */
  idleTimeoutMs: number;
}

/** An edition downloaded, checked and waiting in its temporary file to be moved into place. */
export interface StagedDatabase extends MmdbSummary {
  edition: string;
  /** The temporary file. */
  path: string;
  bytes: number;
}

/**
 * Downloads one edition's tar.gz, streams its single .mmdb entry into a temporary file in the
 * target folder (whatever the entry is called: its name is never used as a path), and checks
 * that the `maxmind` package can open it. Nothing is held in memory but the current chunk.
 * Throws a {@link QSessionsCommandError} that says what failed, with the licence key hidden;
 * on any failure the temporary file is gone.
 */
export async function downloadEdition(job: EditionDownload): Promise<StagedDatabase> {
  job.progress?.write(`Downloading ${job.edition} from ${job.url.display}\n`);
  const download = new EditionDownloadRun(job);
  try {
    const response = await download.request();
    const bytes = await download.extract(response);
    return await download.check(bytes);
  } finally {
    download.stopWatching();
  }
}

/** One edition's download: its idle watchdog, its temporary file and how its failures read. */
class EditionDownloadRun {
  private readonly idle = new AbortController();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly signal: AbortSignal;
  /** Named at the start, so that whatever happens, we know what to remove. */
  private readonly tempPath: string;

  constructor(private readonly job: EditionDownload) {
    this.signal = job.signal ? AbortSignal.any([this.idle.signal, job.signal]) : this.idle.signal;
    this.tempPath = tempPathFor(job.folder, job.fileName);
  }

  /** Restarts the idle watchdog: called whenever data arrives. */
  touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.idle.abort(), this.job.idleTimeoutMs);
    this.idleTimer.unref();
  }

  stopWatching(): void {
    clearTimeout(this.idleTimer);
  }

  /** The response, once its status says a body follows. */
  async request(): Promise<Response & { body: ReadableStream<Uint8Array> }> {
    let response: Response;
    this.touch();
    try {
      // identity: the body must be the .tar.gz file itself, not the server's own compression of it.
      response = await fetch(this.job.url.url, {
        signal: this.signal,
        redirect: 'follow',
        headers: { 'accept-encoding': 'identity', 'user-agent': 'nest-qsessions (qsessions download-geoip-db)' },
      });
    } catch (error) {
      throw this.explain(error);
    }
    if (!response.ok || response.body === null) {
      const snippet = this.foreign(await bodySnippet(response));
      throw this.fail(describeHttpFailure(response.status, this.foreign(response.statusText), snippet));
    }
    return response as Response & { body: ReadableStream<Uint8Array> };
  }

  /** Streams the archive's .mmdb entry into the temporary file; resolves to its size. */
  async extract(response: Response & { body: ReadableStream<Uint8Array> }): Promise<number> {
    const progress = this.progressFor(response);
    let bytes: number | undefined;
    let extraction: Promise<void> | undefined;
    const extractEntry = (tar: AsyncIterable<Uint8Array>) =>
      (extraction = readTar(tar, async (entry, content) => {
        // Only regular files: a symbolic link named *.mmdb could point anywhere.
        if (entry.type !== 'file' || !entry.name.toLowerCase().endsWith('.mmdb')) return;
        if (bytes !== undefined) throw this.fail('the archive holds more than one .mmdb file');
        bytes = await writeTempFile(this.tempPath, content, MAX_DATABASE_BYTES);
      }));
    try {
      const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
      const counter = this.counter(progress);
      // fetch already took off a gzip Content-Encoding; otherwise the .tar.gz's gzip layer is ours.
      if (/gzip/i.test(response.headers.get('content-encoding') ?? '')) {
        await pipeline(body, counter, extractEntry, { signal: this.signal });
      } else {
        await pipeline(body, counter, createGunzip(), extractEntry, { signal: this.signal });
      }
      progress?.finish();
    } catch (error) {
      progress?.abandon();
      // An aborted pipeline settles before the extraction has noticed: let it finish writing
      // (its streams are destroyed, so it ends at once), then remove what it wrote.
      await settled(extraction, 5000);
      await removeTempFile(this.tempPath);
      throw this.explainExtraction(error);
    }
    if (bytes === undefined) throw this.fail('the archive holds no .mmdb file');
    return bytes;
  }

  /** Checks that the `maxmind` package can open the file; removes it when not. */
  async check(bytes: number): Promise<StagedDatabase> {
    try {
      const summary = await checkMmdbFile(this.tempPath, this.job.edition);
      return { path: this.tempPath, bytes, ...summary, edition: this.job.edition };
    } catch (error) {
      await removeTempFile(this.tempPath);
      throw this.fail(`the .mmdb file in the archive cannot be used (${this.foreign((error as Error).message)})`);
    }
  }

  private progressFor(response: Response): DownloadProgress | null {
    const output = this.job.progress;
    if (!output) return null;
    // A server that compressed the response anyway was undone by fetch: its length is not the body's.
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const length = Number(response.headers.get('content-length'));
    return new DownloadProgress(
      output,
      this.job.edition,
      !encoded && Number.isSafeInteger(length) && length > 0 ? length : null,
    );
  }

  /** Counts the bytes as they pass (progress) and keeps the idle watchdog quiet while they do. */
  private counter(progress: DownloadProgress | null): Transform {
    let received = 0;
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        received += chunk.length;
        progress?.update(received);
        this.touch();
        done(null, chunk);
      },
    });
  }

  private explainExtraction(error: unknown): QSessionsCommandError {
    if (error instanceof FileTooLargeError) {
      return this.fail(`the .mmdb file in the archive is larger than ${error.maxBytes} bytes`);
    }
    if (error instanceof TarFormatError) {
      return this.fail(`the download is not a valid .tar.gz archive (${this.foreign(error.message)})`);
    }
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      return this.fail(`the download is not a valid .tar.gz archive (gzip: ${this.foreign((error as Error).message)})`);
    }
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new QSessionsCommandError(
        `Could not write ${this.job.edition} into ${this.job.folder}: ${this.foreign((error as Error).message)}. ` +
          'Give a folder this user can write to (--path or GEOIP_PATH), with enough free space.',
      );
    }
    return this.explain(error);
  }

  /** A failure that is not about the archive: interrupted, idle, or the network. */
  private explain(error: unknown): QSessionsCommandError {
    if (error instanceof QSessionsCommandError) return error;
    if (this.job.signal?.aborted) return this.fail('interrupted');
    if (this.idle.signal.aborted) {
      const ms = this.job.idleTimeoutMs;
      return this.fail(`no data arrived for ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}; try again later`);
    }
    return this.fail(
      `network error (${this.foreign(describeNetworkError(error))}); check the connection and try again`,
    );
  }

  private fail(reason: string): QSessionsCommandError {
    const { edition, url } = this.job;
    return new QSessionsCommandError(
      `Could not download ${edition} from ${url.display}: ${reason}. The previous database, if any, is unchanged.`,
    );
  }

  /**
   * Text from elsewhere (the server, the HTTP client, zlib, maxmind) is not written with the key
   * in mind: it goes through this before it is shown. Our own words are not (a short key could
   * match inside them).
   */
  private foreign(text: string): string {
    return redactSecrets(text, this.job.secrets);
  }
}

/** Why an HTTP status failed, with what to do about it. */
function describeHttpFailure(code: number, reason: string, snippet: string): string {
  const status = `HTTP ${code}${reason ? ` ${reason}` : ''}`;
  const said = snippet ? `; the server said: ${JSON.stringify(snippet)}` : '';
  if (code === 401 || code === 403) {
    return (
      `the licence key was refused (${status}${said}). Check the key in your MaxMind account ` +
      '(Manage License Keys; GeoLite2 needs a free account) and give it with -k/--license-key or MAXMIND_LICENSE_KEY'
    );
  }
  if (code === 429) {
    return `too many downloads (${status}${said}); MaxMind limits downloads per day, try again later`;
  }
  if (code >= 200 && code < 300) return `${status} with an empty body`;
  return `${status}${said}`;
}

/** The start of an error response's body, on one line (it may explain the refusal); never all of a big body. */
async function bodySnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      length += value.length;
    }
  } catch {
    // Whatever arrived is enough.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** fetch says "fetch failed" or "terminated"; the reason is in its cause. */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    if (current.message && !['fetch failed', 'terminated'].includes(current.message)) parts.push(current.message);
  }
  return parts.join(': ') || (error instanceof Error ? error.message : String(error));
}

/** Waits for a promise to settle, however it does, but no longer than `ms`. */
async function settled(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
