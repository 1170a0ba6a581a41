import { gzipSync } from 'node:zlib';

// A small writer of tar archives for tests: POSIX ustar headers, and a pax extended header
// for names longer than the 100-byte name field. It writes whatever name it is given (`../x`,
// `/etc/x`), which is the point: archives a careful reader must not trust.

/** One archive entry. */
export interface TarEntrySpec {
  name: string;
  /** Content of a file; ignored for directories and links. */
  content?: Buffer | string;
  /** `file` (default), `directory`, or `symlink` (to `linkName`). */
  type?: 'file' | 'directory' | 'symlink';
  linkName?: string;
}

const BLOCK = 512;

/** The archive (not compressed), ending with the two zero blocks of the end-of-archive marker. */
export function writeTar(entries: readonly TarEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.type === 'directory' || entry.type === 'symlink' ? Buffer.alloc(0) : toBuffer(entry.content);
    if (Buffer.byteLength(entry.name) > 100) {
      // pax record: "<length> path=<name>\n", where length counts the whole record.
      const body = `path=${entry.name}\n`;
      let length = Buffer.byteLength(body) + 2;
      while (Buffer.byteLength(`${length} ${body}`) !== length) length++;
      const record = Buffer.from(`${length} ${body}`);
      parts.push(header('PaxHeaders/entry', record.length, 'x'), pad(record));
    }
    const typeFlag = entry.type === 'directory' ? '5' : entry.type === 'symlink' ? '2' : '0';
    parts.push(header(entry.name.slice(0, 100), content.length, typeFlag, entry.linkName), pad(content));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The archive, gzipped: a .tar.gz as MaxMind serves them. */
export function writeTarGz(entries: readonly TarEntrySpec[]): Buffer {
  return gzipSync(writeTar(entries));
}

function toBuffer(content: Buffer | string | undefined): Buffer {
  if (content === undefined) return Buffer.alloc(0);
  return typeof content === 'string' ? Buffer.from(content) : content;
}

function header(name: string, size: number, typeFlag: string, linkName = ''): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1'); // mode
  block.write('0000000\0', 108, 'latin1'); // uid
  block.write('0000000\0', 116, 'latin1'); // gid
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'latin1',
  ); // mtime
  block.write('        ', 148, 'latin1'); // checksum, counted as spaces
  block.write(typeFlag, 156, 'latin1');
  block.write(linkName, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function pad(content: Buffer): Buffer {
  const rest = content.length % BLOCK;
  return rest === 0 ? content : Buffer.concat([content, Buffer.alloc(BLOCK - rest)]);
}
