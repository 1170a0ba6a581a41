// A minimal streaming reader of tar archives (POSIX ustar, with the GNU long-name and pax
// extended-header records that GNU tar and bsdtar write for long paths): just enough to pick
// the .mmdb file out of MaxMind's GeoLite2 tar.gz downloads. It never touches the file system:
// each entry's name is handed to the caller as data, so a hostile name (`../../x`, `/etc/x`)
// cannot choose where anything is written. Written here instead of depending on the `tar`
// package because reading is all we need (no extraction, permissions, links or writing), and
// that is a small, fully tested amount of code (test/cli-tar-reader.spec.ts, also against
// archives made by the system's GNU tar).

const BLOCK = 512;
/** Longest GNU long name (`L` record) or pax header (`x` record) we accept: names, not data. */
const MAX_LONG_NAME = 64 * 1024;
const MAX_PAX_HEADER = 1024 * 1024;
/** Largest piece of an entry's content handed out at once. */
const CONTENT_CHUNK = 64 * 1024;

/** What kind of entry a tar header describes (symbolic and hard links are never files here). */
export type TarEntryType = 'file' | 'directory' | 'link' | 'other';

/** One entry of an archive, as its header describes it. */
export interface TarEntry {
  /** The path the archive gives. Only for deciding what to keep: never use it as a path to write. */
  name: string;
  type: TarEntryType;
  /** Size of the content in bytes. */
  size: number;
}

/**
 * Called once per entry, in archive order, with an iterable of its content. The handler may
 * read the content fully, partly or not at all: what it leaves is skipped.
 */
export type TarEntryHandler = (entry: TarEntry, content: AsyncIterable<Buffer>) => Promise<void>;

/** The input is not a readable tar archive (bad header, truncated, oversized names). */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/**
 * Reads a tar archive (already decompressed) from `input`, calling `onEntry` for every file,
 * directory and link. Reads the input to its end even after the end-of-archive marker, so
 * that a decompressor in front of it gets to check its trailer (a truncated .gz fails there).
 */
export async function readTar(input: AsyncIterable<Uint8Array>, onEntry: TarEntryHandler): Promise<void> {
  const reader = new ByteReader(input[Symbol.asyncIterator]());
  let longName: string | undefined;
  let pax: PaxFields = {};
  let offset = 0;
  for (let header = await readHeader(reader, offset); header; header = await readHeader(reader, offset)) {
    const typeFlag = String.fromCharCode(header[156]!);
    const headerSize = parseNumber(header, 124, 12, offset);
    const isMeta = typeFlag === 'L' || typeFlag === 'x';
    // A pax `size` replaces the header's size of the entry that follows it (for files of 8 GiB+).
    const size = isMeta ? headerSize : (pax.size ?? headerSize);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    offset += BLOCK + size + padding;

    if (isMeta) {
      const content = await readMetaEntry(reader, typeFlag, size, padding);
      if (typeFlag === 'L') longName = cString(content, 0, content.length);
      else pax = parsePax(content);
      continue;
    }

    const name = pax.path ?? longName ?? headerName(header);
    longName = undefined;
    pax = {};
    let remaining = size;
    const content = async function* (): AsyncGenerator<Buffer> {
      while (remaining > 0) {
        const chunk = await reader.readSome(Math.min(remaining, CONTENT_CHUNK));
        if (chunk.length === 0)
          throw new TarFormatError(`the archive is truncated (it ends inside ${JSON.stringify(name)})`);
        remaining -= chunk.length;
        yield chunk;
      }
    };
    await onEntry({ name, type: entryType(typeFlag), size }, content());
    await reader.skip(remaining + padding);
  }
  await reader.drain();
}

/** The next entry's header, checked; null at the end of the archive. */
async function readHeader(reader: ByteReader, offset: number): Promise<Buffer | null> {
  const header = await reader.read(BLOCK);
  // An archive without the end-of-archive marker: GNU tar accepts it too.
  if (header.length === 0) return null;
  if (header.length < BLOCK) throw new TarFormatError('the archive is truncated (it ends inside a header)');
  if (header.every((byte) => byte === 0)) return null; // end-of-archive marker
  checkChecksum(header, offset);
  return header;
}

/** The content of a GNU long name (`L`) or pax header (`x`) entry, size-checked. */
async function readMetaEntry(reader: ByteReader, typeFlag: string, size: number, padding: number): Promise<Buffer> {
  const limit = typeFlag === 'L' ? MAX_LONG_NAME : MAX_PAX_HEADER;
  if (size > limit) {
    throw new TarFormatError(
      `the archive has an oversized ${typeFlag === 'L' ? 'long name' : 'pax header'} (${size} bytes)`,
    );
  }
  const content = await reader.read(size);
  if (content.length < size) throw new TarFormatError('the archive is truncated (it ends inside a header)');
  await reader.skip(padding);
  return content;
}

/** Fields of a pax extended header that apply to the next entry. */
interface PaxFields {
  path?: string;
  size?: number;
}

/** Pax records: `<length> <key>=<value>\n`, where length counts the whole record. */
function parsePax(content: Buffer): PaxFields {
  const fields: PaxFields = {};
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    const length = space > at ? Number(content.toString('latin1', at, space)) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > content.length) {
      throw new TarFormatError('the archive has a malformed pax extended header');
    }
    const record = content.toString('utf8', space + 1, at + length - 1); // without the newline
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') fields.path = value;
    if (key === 'size') {
      const size = Number(value);
      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError('the archive has a malformed pax size');
      fields.size = size;
    }
    at += length;
  }
  return fields;
}

function entryType(typeFlag: string): TarEntryType {
  switch (typeFlag) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file for every purpose here
      return 'file';
    case '5':
      return 'directory';
    case '1':
    case '2':
      return 'link';
    default:
      return 'other';
  }
}

/** The name field, with the POSIX ustar prefix field in front when there is one. */
function headerName(header: Buffer): string {
  const name = cString(header, 0, 100);
  // POSIX ustar ("ustar\0") has a prefix field; GNU tar's "ustar  \0" uses those bytes otherwise.
  if (header.toString('latin1', 257, 263) !== 'ustar\0') return name;
  const prefix = cString(header, 345, 155);
  return prefix ? `${prefix}/${name}` : name;
}

/** A NUL-terminated (or field-filling) UTF-8 string. */
function cString(buffer: Buffer, start: number, length: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** A numeric field: octal text, or GNU base-256 when the top bit of the first byte is set. */
function parseNumber(header: Buffer, start: number, length: number, offset: number): number {
  let value: number;
  if (header[start]! & 0x80) {
    value = header[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + header[i]!;
  } else {
    const text = header
      .toString('latin1', start, start + length)
      .replace(/[\0 ]+$/, '')
      .replace(/^ +/, '');
    value = /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
  }
  if (!Number.isSafeInteger(value)) {
    throw new TarFormatError(`not a tar archive (unreadable number in the header at byte ${offset})`);
  }
  return value;
}

/** The header checksum: the sum of its bytes, the checksum field counted as eight spaces. */
function checkChecksum(header: Buffer, offset: number): void {
  const stored = parseNumber(header, 148, 8, offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte; // some old tar programs summed signed bytes
  }
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError(`not a tar archive (bad header checksum at byte ${offset})`);
  }
}

/** Reads exact amounts of bytes out of an iterator of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Exactly `n` bytes, or fewer only when the input ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && (await this.fill()));
    return this.take(Math.min(n, this.buffered));
  }

  /** Between 1 and `n` bytes (what is buffered, else the next chunk); empty only at the end. */
  async readSome(n: number): Promise<Buffer> {
    if (this.buffered === 0 && !(await this.fill())) return Buffer.alloc(0);
    return this.take(Math.min(n, this.buffered));
  }

  /** Skips `n` bytes; the input must have them. */
  async skip(n: number): Promise<void> {
    for (let left = n; left > 0;) {
      const chunk = await this.readSome(left);
      if (chunk.length === 0) throw new TarFormatError('the archive is truncated');
      left -= chunk.length;
    }
  }

  /** Reads and drops the rest of the input. */
  async drain(): Promise<void> {
    do {
      this.chunks = [];
      this.buffered = 0;
    } while (await this.fill());
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value)
      ? next.value
      : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return true;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let result: Buffer;
    if (first.length >= n) {
      result = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      result = Buffer.alloc(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0]!;
        const part = Math.min(chunk.length, n - filled);
        chunk.copy(result, filled, 0, part);
        filled += part;
        if (part === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(part);
      }
    }
    this.buffered -= n;
    return result;
  }
}
