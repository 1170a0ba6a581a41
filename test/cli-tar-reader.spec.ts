import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { readTar, TarFormatError, type TarEntry } from '../lib/cli/geoip/tar-reader.js';
import { writeTar } from './support/tar-writer.js';

const execFileAsync = promisify(execFile);

/** Feeds a buffer in chunks of the given size (1 byte at a time finds every boundary bug). */
async function* chunks(buffer: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
}

/** Every entry with its whole content. */
async function readAll(archive: Buffer, chunkSize = 4096): Promise<Array<TarEntry & { content: Buffer }>> {
  const entries: Array<TarEntry & { content: Buffer }> = [];
  await readTar(chunks(archive, chunkSize), async (entry, content) => {
    const parts: Buffer[] = [];
    for await (const part of content) parts.push(part);
    entries.push({ ...entry, content: Buffer.concat(parts) });
  });
  return entries;
}

const big = randomBytes(200_003); // several content chunks, not a multiple of 512

describe('readTar', () => {
  const archive = writeTar([
    { name: 'GeoLite2-City_20240102/', type: 'directory' },
    { name: 'GeoLite2-City_20240102/LICENSE.txt', content: 'licence text' },
    { name: 'GeoLite2-City_20240102/GeoLite2-City.mmdb', content: big },
    { name: 'link.mmdb', type: 'symlink', linkName: '/etc/passwd' },
    { name: `${'d'.repeat(120)}/long-name.mmdb`, content: 'pax path' },
    { name: 'empty.txt', content: '' },
  ]);

  it.each([1, 7, 512, 4096, 1_000_000])(
    'reads names, types, sizes and contents (input in chunks of %i bytes)',
    async (size) => {
      const entries = await readAll(archive, size);
      expect(entries.map(({ name, type, size: length }) => ({ name, type, size: length }))).toEqual([
        { name: 'GeoLite2-City_20240102/', type: 'directory', size: 0 },
        { name: 'GeoLite2-City_20240102/LICENSE.txt', type: 'file', size: 12 },
        { name: 'GeoLite2-City_20240102/GeoLite2-City.mmdb', type: 'file', size: big.length },
        { name: 'link.mmdb', type: 'link', size: 0 },
        { name: `${'d'.repeat(120)}/long-name.mmdb`, type: 'file', size: 8 },
        { name: 'empty.txt', type: 'file', size: 0 },
      ]);
      expect(entries[1]!.content.toString()).toBe('licence text');
      expect(entries[2]!.content.equals(big)).toBe(true);
      expect(entries[4]!.content.toString()).toBe('pax path');
    },
  );

  it('skips what a handler leaves unread, whole or in part', async () => {
    const seen: string[] = [];
    await readTar(chunks(archive, 1000), async (entry, content) => {
      if (entry.name.endsWith('.mmdb') && entry.type === 'file') {
        for await (const part of content) {
          seen.push(
            `${entry.name}: a first part of ${part.length > 0 && part.length <= entry.size ? 'it' : part.length}`,
          );
          break;
        }
      } else {
        seen.push(entry.name);
      }
    });
    expect(seen).toEqual([
      'GeoLite2-City_20240102/',
      'GeoLite2-City_20240102/LICENSE.txt',
      'GeoLite2-City_20240102/GeoLite2-City.mmdb: a first part of it',
      'link.mmdb',
      `${'d'.repeat(120)}/long-name.mmdb: a first part of it`,
      'empty.txt',
    ]);
  });

  it('reads the input to its end after the end-of-archive marker (so gunzip checks its trailer)', async () => {
    let consumed = false;
    async function* input(): AsyncGenerator<Buffer> {
      yield* chunks(archive, 4096);
      yield Buffer.alloc(10_240); // tar's record padding after the marker
      consumed = true;
    }
    await readTar(input(), async () => undefined);
    expect(consumed).toBe(true);
  });

  it('accepts an archive without the end-of-archive marker', async () => {
    const withoutMarker = archive.subarray(0, archive.length - 1024);
    expect(await readAll(withoutMarker)).toHaveLength(6);
  });

  it('refuses input that is not a tar archive', async () => {
    await expect(readAll(randomBytes(4096))).rejects.toThrow(TarFormatError);
    await expect(readAll(Buffer.from('<html>Service unavailable</html>'.padEnd(512, ' ')))).rejects.toThrow(
      'not a tar archive',
    );
  });

  it('refuses a header whose checksum does not match', async () => {
    const damaged = Buffer.from(archive);
    damaged[600] ^= 0xff; // inside the second header's name
    await expect(readAll(damaged)).rejects.toThrow('not a tar archive (bad header checksum at byte 512)');
  });

  it('refuses an archive that ends inside an entry or a header', async () => {
    const fileStart = archive.indexOf(Buffer.from('GeoLite2-City_20240102/GeoLite2-City.mmdb'));
    await expect(readAll(archive.subarray(0, fileStart + 512 + 100_000))).rejects.toThrow(
      'the archive is truncated (it ends inside "GeoLite2-City_20240102/GeoLite2-City.mmdb")',
    );
    await expect(readAll(archive.subarray(0, 700))).rejects.toThrow('the archive is truncated');
  });

  describe('on archives made by the system tar', () => {
    let folder: string;
    // Over 100 bytes, but splittable into ustar's prefix and name fields.
    const longName = `GeoLite2-City_20240102/${'y'.repeat(90)}/${'x'.repeat(20)}.txt`;

    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), 'qsessions-tar-'));
      mkdirSync(join(folder, 'GeoLite2-City_20240102', 'y'.repeat(90)), { recursive: true });
      writeFileSync(join(folder, 'GeoLite2-City_20240102', 'GeoLite2-City.mmdb'), big);
      writeFileSync(join(folder, longName), 'long');
      symlinkSync('/etc/passwd', join(folder, 'GeoLite2-City_20240102', 'passwd.mmdb'));
    });
    afterAll(() => rmSync(folder, { recursive: true, force: true }));

    // gnu: long names as `L` records; pax: `x` extended headers; ustar: the prefix field.
    it.each(['gnu', 'pax', 'ustar'])('reads a --format=%s tar.gz as GNU tar wrote it', async (format) => {
      const file = join(folder, `${format}.tar.gz`);
      await execFileAsync('tar', [`--format=${format}`, '-czf', file, '-C', folder, 'GeoLite2-City_20240102']);

      const entries = await readAll(gunzipSync(readFileSync(file)), 3000);

      const byName = new Map(entries.map((entry) => [entry.name.replace(/\/$/, ''), entry]));
      expect(byName.get('GeoLite2-City_20240102')?.type).toBe('directory');
      expect(byName.get('GeoLite2-City_20240102/GeoLite2-City.mmdb')?.content.equals(big)).toBe(true);
      expect(byName.get(longName)?.content.toString()).toBe('long');
      expect(byName.get('GeoLite2-City_20240102/passwd.mmdb')?.type).toBe('link');
      expect(byName.get(`GeoLite2-City_20240102/${'y'.repeat(90)}`)?.type).toBe('directory');
      expect(entries).toHaveLength(5);
    });
  });
});
