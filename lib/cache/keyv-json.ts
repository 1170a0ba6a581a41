import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';

/**
 * A string value that starts with ':' — the only place where @keyv/serialize's format departs
 * from plain JSON (it adds one more ':', and writes Buffers as ':base64:…'). In the text such a
 * string opens with `":` at the start or right after `:`, `,` or `[`: JSON.stringify adds no
 * spaces, and a quote inside a string is always escaped, so the pattern cannot come from inside
 * a string (the session data, itself JSON, is stored as an escaped string).
 */
const COLON_STRING = /(?:^|[:,[])":/;

/**
 * Keyv's `serialize` for the Redis cache: the same text as Keyv's default serializer, made with
 * plain JSON.stringify. Why: the default walks every value by hand, which the profile put among
 * the largest CPU costs of a cached write; values with a string starting with ':' still go
 * through it, so both write exactly the same text.
 */
export function serializeKeyvData(data: unknown): string {
  const text = JSON.stringify(data) as string | undefined;
  return text === undefined || COLON_STRING.test(text) ? defaultSerialize(data as never) : text;
}

/**
 * Keyv's `deserialize` for the Redis cache: plain JSON.parse unless the text holds a string
 * starting with ':', which goes through Keyv's default (a JSON.parse with a reviver called for
 * every value, several times slower). Reads what either serializer wrote, so processes of the
 * previous release sharing the Redis keep working.
 */
export function deserializeKeyvData<T>(text: string): T {
  return (COLON_STRING.test(text) ? defaultDeserialize(text) : JSON.parse(text)) as T;
}
