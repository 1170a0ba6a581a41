import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import fc from 'fast-check';
import { deserializeKeyvData, serializeKeyvData } from '../lib/cache/keyv-json.js';

// The Redis cache's Keyv serializer must write exactly what Keyv's default writes and read
// whatever it wrote: processes of different releases share one Redis.

/** Strings that often start with ':' or hold the characters the escaping rule looks at. */
const tricky = fc.oneof(
  fc.string(),
  fc.string().map((text) => `:${text}`),
  fc.string().map((text) => `:base64:${Buffer.from(text).toString('base64')}`),
  fc.constantFrom('":', ':":', '[":', ',":', '\\":', '{"a":":b"}'),
);
const jsonLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    tricky,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(tricky, tie('value'), { maxKeys: 4 }),
  ),
})).value;
/** What Keyv stores: its envelope around a value. */
const envelope = fc.record({ value: jsonLike, expires: fc.option(fc.integer({ min: 0 }), { nil: undefined }) });

describe('Keyv JSON serializer of the Redis cache', () => {
  it('writes exactly the text of Keyv’s default serializer', () => {
    fc.assert(
      fc.property(envelope, (data) => {
        expect(serializeKeyvData(data)).toBe(defaultSerialize(data));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads what the default serializer wrote as the default reader does', () => {
    fc.assert(
      fc.property(envelope, (data) => {
        const text = defaultSerialize(data);
        expect(deserializeKeyvData(text)).toEqual(defaultDeserialize(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a cached session record as it was, colon-led strings included', () => {
    const record = {
      value: { d: '{"userId":1,"note":":x"}', u: 1, ip: '::1', ua: ':odd agent', e: 1_800_000_000_000, ep: 0 },
      expires: 1_800_000_000_000,
    };
    const text = serializeKeyvData(record);
    expect(text).toBe(defaultSerialize(record));
    expect(deserializeKeyvData(text)).toEqual(record);
  });

  it('takes the plain JSON path when no string starts with a colon', () => {
    const record = { value: { d: '{"a":"b:c"}', ip: '127.0.0.1' }, expires: 5 };
    expect(serializeKeyvData(record)).toBe(JSON.stringify(record));
  });
});
