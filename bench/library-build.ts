import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fingerprint of the built library (dist/): the newest modification time of its files, and
 * how many there are. Compared at the start and the end of a run, it tells whether dist/ was
 * rebuilt meanwhile (by another job on the machine), in which case the nest-qsessions variants
 * did not all run the same code.
 */
export function libraryBuildFingerprint(distFolder: string): string {
  let newest = 0;
  let files = 0;
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        files++;
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  try {
    walk(distFolder);
  } catch {
    return 'missing';
  }
  return `${files} files, newest ${new Date(newest).toISOString()}`;
}
