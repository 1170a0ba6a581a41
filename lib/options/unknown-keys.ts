import { nearestKey } from './nearest-key.js';

/**
 * The keys an options object may have, written as `{ key: true, ... }` so that the compiler
 * holds the list to the options type: a key missing from the list, or one the type does not
 * have, is a type error. The listing order is the order known keys are shown in messages.
 */
export type KnownKeys<T> = Readonly<Record<keyof T, true>>;

/**
 * Any object keyed by exactly the options of `T` (a {@link KnownKeys} list, or the defaults
 * object of a section): only its keys are read.
 */
export type KeyTable<T> = { readonly [K in keyof Required<T>]: unknown };

/**
 * One problem per key of `input` that `known` does not list, naming the key by its full path
 * (`cache.redisURL`; `path` is where `input` sits, empty for the top level) and the known key it
 * most plausibly meant, or else every known key of that object. A mistyped key must fail start-up:
 * ignored, it would silently leave its setting at the default (a per-process cache instead of
 * Redis, a two-week cookie instead of an hour).
 */
export function unknownKeyProblems<T>(input: object, known: KeyTable<T>, path = ''): string[] {
  const knownKeys = Object.keys(known);
  const prefix = path === '' ? '' : `${path}.`;
  return Object.keys(input)
    .filter((key) => !Object.hasOwn(known, key))
    .map((key) => {
      const suggestion = nearestKey(key, knownKeys);
      return suggestion === undefined
        ? `unknown option \`${prefix}${key}\`; known options are ${knownKeys.join(', ')}.`
        : `unknown option \`${prefix}${key}\`; did you mean \`${prefix}${suggestion}\`?`;
    });
}
