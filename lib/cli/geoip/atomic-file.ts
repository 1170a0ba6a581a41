import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Thrown by {@link writeTempFile} when the content is longer than allowed. */
export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`it is larger than ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * A new temporary file name in `folder` for the file that will become `finalName` there: in
 * the same folder, so that {@link replaceFile} is a rename within one file system (atomic: a
 * reader of the final path sees the old file or the new one, never a part). Dot-prefixed and
 * random: never mistaken for a database, never shared by two runs at once.
 */
export function tempPathFor(folder: string, finalName: string): string {
  return join(folder, `.${finalName}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `content` to `path` (which must not exist) and flushes it to disk (fsync); resolves to
 * the number of bytes written. Refuses content longer than `maxBytes` (a broken or hostile
 * server cannot fill the disk). On failure the file is removed.
 */
export async function writeTempFile(path: string, content: AsyncIterable<Buffer>, maxBytes: number): Promise<number> {
  const handle = await open(path, 'wx', 0o644);
  let written = 0;
  try {
    for await (const chunk of content) {
      written += chunk.length;
      if (written > maxBytes) throw new FileTooLargeError(maxBytes);
      await handle.write(chunk);
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
  return written;
}

/** Moves a file written by {@link writeTempFile} into place, replacing what was there. */
export async function replaceFile(tempPath: string, finalPath: string): Promise<void> {
  await rename(tempPath, finalPath);
}

/** Removes a temporary file; a file already gone is fine. */
export async function removeTempFile(tempPath: string): Promise<void> {
  await rm(tempPath, { force: true });
}

/**
 * Flushes a folder's entries (the renames) to disk, so that the new files survive a crash.
 * Best effort: some platforms (Windows) cannot open a folder for fsync.
 */
export async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported here; the rename itself is still atomic.
  }
}
