import { describeValue, isOptionObject } from './option-object.js';
import { unknownKeyProblems, type KeyTable } from './unknown-keys.js';

/**
 * A nested options object (`cookie`, `cache`), checked to be an object with only the keys of
 * `known` (its defaults), problems added to `problems`. Left out, or unusable, it reads as empty,
 * so that the rest of the section is still checked (against its defaults) and every problem is
 * listed at once.
 */
export function optionSection<T extends object>(
  value: T | undefined,
  path: string,
  known: KeyTable<T>,
  example: string,
  problems: string[],
): Partial<T> {
  if (value === undefined) return {};
  if (!isOptionObject(value)) {
    problems.push(`\`${path}\` must be an object such as ${example}, or left out; got ${describeValue(value)}.`);
    return {};
  }
  problems.push(...unknownKeyProblems(value, known, path));
  return value;
}
