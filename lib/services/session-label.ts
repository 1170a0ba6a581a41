import { BadRequestException } from '@nestjs/common';
import { hasControlCharacters } from '../util/control-characters.js';

/** The longest label, in characters (the column is VARCHAR(64)). */
export const MAX_LABEL_LENGTH = 64;

/** The label to store for `label` (trimmed; null for none), or a 400 that says what is wrong with it. */
export function sessionLabel(label: unknown): string | null {
  if (label === null) return null;
  if (typeof label !== 'string') {
    throw new BadRequestException(`A device name must be a string or null; got ${typeof label}.`);
  }
  const trimmed = label.trim();
  if (trimmed === '') return null;
  // Characters as the database counts them (code points), not UTF-16 units.
  const length = [...trimmed].length;
  if (length > MAX_LABEL_LENGTH) {
    throw new BadRequestException(
      `A device name can be at most ${MAX_LABEL_LENGTH} characters long; this one has ${length}.`,
    );
  }
  if (hasControlCharacters(trimmed)) {
    throw new BadRequestException('A device name cannot hold control characters (line breaks, tabs...).');
  }
  return trimmed;
}
