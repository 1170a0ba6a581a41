import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { readClientHints } from '../lib/http/client-hints-reader.js';
import { parseBooleanField, parseStringField, parseStringListField } from '../lib/http/structured-field.js';
import type { ClientDetails } from '../lib/session/client-details.js';
import type { ClientHints } from '../lib/session/client-hints.js';
import { decodeClientHints, encodeClientHints } from '../lib/session/client-hints-codec.js';
import { clientHintsToStore } from '../lib/session/stored-client-hints.js';
import { parseDevice } from '../lib/user-agent/device-info.js';

// User-Agent Client Hints: the headers as Chromium sends them, read within bounds; what a session
// stores of them; and the device they describe.

// What Chrome 124 on macOS Sonoma sends once it has seen Accept-CH (its User-Agent is frozen).
const MAC_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const MAC_HEADERS: IncomingHttpHeaders = {
  'sec-ch-ua': '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"macOS"',
  'sec-ch-ua-platform-version': '"14.2.1"',
  'sec-ch-ua-model': '""',
  'sec-ch-ua-full-version-list':
    '"Chromium";v="124.0.6367.91", "Google Chrome";v="124.0.6367.91", "Not-A.Brand";v="99.0.0.0"',
};
const MAC_HINTS: ClientHints = {
  platform: 'macOS',
  platformVersion: '14.2.1',
  model: '',
  mobile: false,
  brands: [
    { brand: 'Chromium', version: '124.0.6367.91' },
    { brand: 'Google Chrome', version: '124.0.6367.91' },
  ],
};
const WINDOWS_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const EDGE_UA = `${WINDOWS_UA} Edg/124.0.0.0`;
const WIN81_UA =
  'Mozilla/5.0 (Windows NT 6.3; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36';
const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';
const LINUX_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

const chrome = (version: string) => [
  { brand: 'Chromium', version },
  { brand: 'Google Chrome', version },
];

describe('structured fields (RFC 8941, the part hints use)', () => {
  it('reads strings, booleans and lists of strings with parameters', () => {
    expect(parseStringField('"macOS"')).toBe('macOS');
    expect(parseStringField('  "a \\"quoted\\" \\\\ name"  ')).toBe('a "quoted" \\ name');
    expect(parseStringField('""')).toBe('');
    expect(parseBooleanField('?1')).toBe(true);
    expect(parseBooleanField('?0')).toBe(false);
    expect(parseStringListField('"A";v="1",\t"B"; v="2";x, "C"', 10)).toEqual([
      { value: 'A', params: new Map([['v', '1']]) },
      {
        value: 'B',
        params: new Map<string, string | true>([
          ['v', '2'],
          ['x', true],
        ]),
      },
      { value: 'C', params: new Map() },
    ]);
    expect(parseStringListField('', 10)).toEqual([]);
  });

  it.each([
    ['an unterminated string', '"macOS'],
    ['a token instead of a string', 'macOS'],
    ['two strings', '"mac" "OS"'],
    ['a stray escape', '"mac\\OS"'],
    ['a tab inside the string', '"mac\tOS"'],
    ['a control character', '"mac\u0001OS"'],
    ['a character outside ASCII', '"macÖS"'],
    ['a parameter without a key', '"macOS";=1'],
  ])('refuses a string field with %s', (_label, text) => {
    expect(parseStringField(text)).toBeNull();
  });

  it.each([['?2'], ['1'], ['true'], ['?1?0'], ['"?1"']])('refuses the boolean %p', (text) => {
    expect(parseBooleanField(text)).toBeNull();
  });

  it.each([
    ['a trailing comma', '"A";v="1",'],
    ['a missing comma', '"A";v="1" "B";v="2"'],
    ['an inner list', '("A" "B")'],
    ['a token member', 'A;v="1"'],
    ['a parameter without a value', '"A";v='],
    ['an unterminated string', '"A;v="1"'],
    ['a space before a parameter', '"A" ;v="1"'],
  ])('refuses a list with %s', (_label, text) => {
    expect(parseStringListField(text, 10)).toBeNull();
  });

  it('refuses a list with more members than allowed', () => {
    expect(parseStringListField('"A", "B", "C"', 3)).toHaveLength(3);
    expect(parseStringListField('"A", "B", "C", "D"', 3)).toBeNull();
  });
});

describe('readClientHints', () => {
  it('reads what Chrome on macOS sends, GREASE brand dropped', () => {
    expect(readClientHints(MAC_HEADERS)).toEqual(MAC_HINTS);
  });

  it('gives null when the request sent no hint, or none that holds up', () => {
    expect(readClientHints({ 'user-agent': MAC_UA })).toBeNull();
    expect(readClientHints({ 'sec-ch-ua-platform': 'macOS', 'sec-ch-ua-mobile': 'yes' })).toBeNull();
  });

  it('takes brands from Sec-CH-UA when the full version list is not sent', () => {
    const { 'sec-ch-ua-full-version-list': _full, ...lowEntropy } = MAC_HEADERS;
    expect(readClientHints(lowEntropy)?.brands).toEqual(chrome('124'));
  });

  it.each([
    'Not A;Brand',
    'Not/A)Brand',
    'Not:A-Brand',
    'Not_A Brand',
    'Not.A/Brand',
    'Not)A;Brand',
    'Not=A?Brand',
    'not a brand',
    'Evil<script>',
    'A;B',
    ' Leading space',
  ])('drops the brand %p (GREASE or unusual punctuation)', (brand) => {
    const header = `"Chromium";v="124", ${JSON.stringify(brand)};v="99"`;
    expect(readClientHints({ 'sec-ch-ua': header })?.brands).toEqual([{ brand: 'Chromium', version: '124' }]);
  });

  it('keeps real brand names with spaces, digits, dots and dashes', () => {
    const header =
      '"Opera GX";v="109", "Microsoft Edge WebView2";v="124", "Samsung Internet";v="24.0", "Whale-X.2";v="1"';
    expect(readClientHints({ 'sec-ch-ua': header })?.brands?.map((entry) => entry.brand)).toEqual([
      'Opera GX',
      'Microsoft Edge WebView2',
      'Samsung Internet',
      'Whale-X.2',
    ]);
  });

  it('drops a brand whose version is not a version', () => {
    const header = '"Chromium";v="124", "Google Chrome";v="latest", "Opera";v=110, "Brave"';
    expect(readClientHints({ 'sec-ch-ua': header })?.brands).toEqual([{ brand: 'Chromium', version: '124' }]);
  });

  it('ignores a hint header over 512 characters, and only that one', () => {
    const padded = (length: number) => `"macOS"${' '.repeat(length - '"macOS"'.length)}`;
    expect(readClientHints({ 'sec-ch-ua-platform': padded(512) })).toEqual({ platform: 'macOS' });
    const hints = readClientHints({ ...MAC_HEADERS, 'sec-ch-ua-platform': padded(513) });
    expect(hints).toEqual({ ...MAC_HINTS, platform: undefined });
    expect(hints).not.toHaveProperty('platform');
    expect(readClientHints({ 'sec-ch-ua-platform': `"${'A'.repeat(10_240)}"` })).toBeNull();
  });

  it('ignores strings over 64 characters', () => {
    expect(readClientHints({ 'sec-ch-ua-model': `"${'M'.repeat(64)}"` })).toEqual({ model: 'M'.repeat(64) });
    expect(readClientHints({ 'sec-ch-ua-model': `"${'M'.repeat(65)}"` })).toBeNull();
    const longBrand = `"Chromium";v="124", "${'B'.repeat(65)}";v="1"`;
    expect(readClientHints({ 'sec-ch-ua': longBrand })?.brands).toEqual([{ brand: 'Chromium', version: '124' }]);
  });

  it('ignores a brand list of more than 10 brands (then Sec-CH-UA, if it holds up)', () => {
    const brands = (count: number, version: string) =>
      Array.from({ length: count }, (_, index) => `"Brand${index}";v="${version}"`).join(', ');
    expect(readClientHints({ 'sec-ch-ua-full-version-list': brands(10, '1.0') })?.brands).toHaveLength(10);
    expect(readClientHints({ 'sec-ch-ua-full-version-list': brands(11, '1.0') })).toBeNull();
    expect(
      readClientHints({ 'sec-ch-ua-full-version-list': brands(11, '1.0'), 'sec-ch-ua': brands(3, '1') })?.brands,
    ).toHaveLength(3);
  });

  it('ignores a malformed or out-of-range hint and keeps the others', () => {
    expect(
      readClientHints({
        'sec-ch-ua-platform': '"macOS',
        'sec-ch-ua-platform-version': '"fourteen"',
        'sec-ch-ua-model': '"Pixel\u00078"',
        'sec-ch-ua-mobile': '?1',
        'sec-ch-ua': '"Chromium";v="124",',
      }),
    ).toEqual({ mobile: true });
  });

  it('reads repeated headers as one combined field value', () => {
    expect(readClientHints({ 'sec-ch-ua': ['"Chromium";v="124"', '"Opera";v="110"'] })?.brands).toEqual([
      { brand: 'Chromium', version: '124' },
      { brand: 'Opera', version: '110' },
    ]);
    // Two values of a single string are no string.
    expect(readClientHints({ 'sec-ch-ua-platform': ['"macOS"', '"Windows"'] })).toBeNull();
  });

  it('never throws, and keeps only bounded printable strings, whatever the headers hold', () => {
    const anyText = fc.oneof(fc.string({ maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 600 }));
    const names = [
      'sec-ch-ua',
      'sec-ch-ua-full-version-list',
      'sec-ch-ua-platform',
      'sec-ch-ua-platform-version',
      'sec-ch-ua-model',
      'sec-ch-ua-mobile',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), anyText), (headers) => {
        const hints = readClientHints(headers);
        const texts = [hints?.platform, hints?.platformVersion, hints?.model]
          .concat((hints?.brands ?? []).flatMap((entry) => [entry.brand, entry.version]))
          .filter((text): text is string => text !== undefined);
        for (const text of texts) expect(text).toMatch(/^[\x20-\x7e]{0,64}$/);
        expect((hints?.brands ?? []).length).toBeLessThanOrEqual(10);
        expect(() => parseDevice(MAC_UA, hints)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('the stored form of hints', () => {
  it('is compact JSON in a fixed order, and reads back as it was', () => {
    const text = encodeClientHints(MAC_HINTS)!;
    expect(text).toBe(
      '{"platform":"macOS","platformVersion":"14.2.1","model":"","mobile":false,"brands":' +
        '[{"brand":"Chromium","version":"124.0.6367.91"},{"brand":"Google Chrome","version":"124.0.6367.91"}]}',
    );
    expect(decodeClientHints(text)).toEqual(MAC_HINTS);
    expect(encodeClientHints({ brands: MAC_HINTS.brands, mobile: false, platform: 'macOS' })).toBe(
      encodeClientHints({ platform: 'macOS', mobile: false, brands: MAC_HINTS.brands }),
    );
    expect(encodeClientHints(null)).toBeNull();
    expect(encodeClientHints({})).toBeNull();
  });

  it('fits the column: brands are left off from the end until it does', () => {
    const brands = Array.from({ length: 10 }, (_, index) => ({ brand: `${'B'.repeat(60)}${index}`, version: '1.2.3' }));
    const text = encodeClientHints({ platform: 'Windows', platformVersion: '15.0.0', brands })!;
    expect(text.length).toBeLessThanOrEqual(512);
    const stored = decodeClientHints(text)!;
    expect(stored.platformVersion).toBe('15.0.0');
    expect(stored.brands).toEqual(brands.slice(0, stored.brands!.length));
    expect(stored.brands!.length).toBeGreaterThan(3);
  });

  it('reads anything else as no hints, or only its fields that hold up', () => {
    for (const text of ['', 'null', '[]', '"macOS"', '{', '{"platform":1}', `{"model":"${'x'.repeat(600)}"}`]) {
      expect(decodeClientHints(text)).toBeNull();
    }
    expect(
      decodeClientHints(
        '{"platform":"macOS","platformVersion":"x","mobile":"yes","brands":[{"brand":"Not A;Brand","version":"8"},{"brand":"Opera","version":"110"}]}',
      ),
    ).toEqual({
      platform: 'macOS',
      brands: [{ brand: 'Opera', version: '110' }],
    });
  });
});

describe('clientHintsToStore: what a session keeps', () => {
  const client = (userAgent: string | null, clientHints: ClientHints | null): ClientDetails => ({
    ip: '203.0.113.7',
    userAgent,
    clientHints,
  });
  const stored = (userAgent: string | null, hints: ClientHints | null) => ({
    userAgent,
    clientHints: encodeClientHints(hints),
  });

  it('a new session stores what the request sent, or nothing', () => {
    expect(clientHintsToStore(null, client(MAC_UA, MAC_HINTS))).toBe(encodeClientHints(MAC_HINTS));
    expect(clientHintsToStore(null, client(MAC_UA, null))).toBeNull();
  });

  it('a request without hints and the same User-Agent keeps the stored ones', () => {
    expect(clientHintsToStore(stored(MAC_UA, MAC_HINTS), client(MAC_UA, null))).toBe(encodeClientHints(MAC_HINTS));
  });

  it('a changed User-Agent drops the stored hints: they described another browser', () => {
    expect(clientHintsToStore(stored(MAC_UA, MAC_HINTS), client(WINDOWS_UA, null))).toBeNull();
    const windows = { platform: 'Windows', platformVersion: '15.0.0' };
    expect(clientHintsToStore(stored(MAC_UA, MAC_HINTS), client(WINDOWS_UA, windows))).toBe(encodeClientHints(windows));
  });

  it('the same User-Agent: each hint sent replaces its stored value, the others stay', () => {
    const updated = clientHintsToStore(stored(MAC_UA, MAC_HINTS), client(MAC_UA, { platformVersion: '15.0.0' }));
    expect(decodeClientHints(updated)).toEqual({ ...MAC_HINTS, platformVersion: '15.0.0' });
  });

  it('the low-entropy brands (major versions) do not undo the full versions, but a new version does', () => {
    const lowEntropy = { platform: 'macOS', mobile: false, brands: chrome('124') };
    expect(clientHintsToStore(stored(MAC_UA, MAC_HINTS), client(MAC_UA, lowEntropy))).toBe(
      encodeClientHints(MAC_HINTS),
    );
    const newer = { brands: chrome('124.0.6367.118') };
    expect(decodeClientHints(clientHintsToStore(stored(MAC_UA, MAC_HINTS), client(MAC_UA, newer)))?.brands).toEqual(
      chrome('124.0.6367.118'),
    );
    // Full versions sent after the majors were stored replace them.
    expect(
      decodeClientHints(
        clientHintsToStore(
          stored(MAC_UA, { brands: chrome('124') }),
          client(MAC_UA, { brands: chrome('124.0.6367.91') }),
        ),
      )?.brands,
    ).toEqual(chrome('124.0.6367.91'));
  });

  it('unchanged hints give the stored text itself (no save)', () => {
    const before = stored(MAC_UA, MAC_HINTS);
    expect(clientHintsToStore(before, client(MAC_UA, readClientHints(MAC_HEADERS)))).toBe(before.clientHints);
  });
});

describe('parseDevice with Client Hints', () => {
  it('Chrome on macOS 14: the real OS version instead of the frozen 10.15.7, and the full browser version', () => {
    const info = parseDevice(MAC_UA, MAC_HINTS);
    expect(info.summary).toBe('Chrome on macOS 14');
    expect(info.os).toEqual({ name: 'Mac OS', version: '14', versionFromClientHints: true });
    expect(info.browser).toEqual({ name: 'Chrome', version: '124.0.6367.91', major: '124' });
    expect(info.device).toEqual({ type: 'desktop', vendor: 'Apple', model: 'Macintosh' });
    // Without hints, as before.
    expect(parseDevice(MAC_UA).summary).toBe('Chrome on macOS');
    expect(parseDevice(MAC_UA).os).toEqual({ name: 'Mac OS', version: '10.15.7', versionFromClientHints: false });
  });

  it('macOS before 11 keeps its minor version', () => {
    expect(parseDevice(MAC_UA, { platform: 'macOS', platformVersion: '10.15.7' }).summary).toBe(
      'Chrome on macOS 10.15',
    );
  });

  it('Windows 11 from platform version 13 and up, Windows 10 from 1 to 10', () => {
    for (const platformVersion of ['13.0.0', '15.0.0', '19.0.0']) {
      expect(parseDevice(WINDOWS_UA, { platform: 'Windows', platformVersion }).summary).toBe('Chrome on Windows 11');
    }
    for (const platformVersion of ['1.0.0', '10.0.0']) {
      const info = parseDevice(WINDOWS_UA, { platform: 'Windows', platformVersion });
      expect(info.summary).toBe('Chrome on Windows 10');
      expect(info.os).toEqual({ name: 'Windows', version: '10', versionFromClientHints: true });
    }
    const edge = parseDevice(EDGE_UA, {
      platform: 'Windows',
      platformVersion: '15.0.0',
      brands: [
        { brand: 'Microsoft Edge', version: '124.0.2478.51' },
        { brand: 'Chromium', version: '124.0.6367.91' },
      ],
    });
    expect(edge.summary).toBe('Edge on Windows 11');
    expect(edge.browser).toEqual({ name: 'Edge', version: '124.0.2478.51', major: '124' });
  });

  it('Windows platform version 0 confirms the User-Agent of an older Windows (7, 8, 8.1)', () => {
    const info = parseDevice(WIN81_UA, { platform: 'Windows', platformVersion: '0.3.0' });
    expect(info.os).toEqual({ name: 'Windows', version: '8.1', versionFromClientHints: true });
    expect(info.summary).toBe('Chrome on Windows 8.1');
  });

  it('an Android phone gets its model and its Android version', () => {
    const info = parseDevice(ANDROID_UA, {
      platform: 'Android',
      platformVersion: '14.0.0',
      model: 'Pixel 8',
      mobile: true,
      brands: chrome('124.0.6367.82'),
    });
    expect(info.device).toEqual({ type: 'mobile', vendor: null, model: 'Pixel 8' });
    expect(info.os).toEqual({ name: 'Android', version: '14.0.0', versionFromClientHints: true });
    expect(info.summary).toBe('Chrome on Android 14');
    // The frozen User-Agent alone: model "K", Android 10.
    expect(parseDevice(ANDROID_UA).device.model).toBe('K');
    expect(parseDevice(ANDROID_UA).summary).toBe('Chrome on Android');
  });

  it('names the browser its brands name (Brave, Chromium), with their full version', () => {
    const brave = parseDevice(LINUX_UA, { platform: 'Linux', brands: [{ brand: 'Brave', version: '124.1.65.114' }] });
    expect(brave.browser).toEqual({ name: 'Brave', version: '124.1.65.114', major: '124' });
    expect(brave.summary).toBe('Brave on Linux');
    const chromium = parseDevice(LINUX_UA, {
      platform: 'Linux',
      platformVersion: '',
      brands: chrome('124.0.6367.91').slice(0, 1),
    });
    expect(chromium.summary).toBe('Chromium on Linux');
    expect(chromium.os).toEqual({ name: 'Linux', version: null, versionFromClientHints: false });
  });

  it('an empty platform version (before Accept-CH, or Linux) never shows the frozen User-Agent version', () => {
    const info = parseDevice(MAC_UA, { platform: 'macOS', platformVersion: '' });
    expect(info.os).toEqual({ name: 'Mac OS', version: '10.15.7', versionFromClientHints: false });
    expect(info.summary).toBe('Chrome on macOS');
  });

  it('a platform it does not know leaves the User-Agent OS alone', () => {
    expect(parseDevice(MAC_UA, { platform: 'Fuchsia', platformVersion: '1.0' }).os).toBe(parseDevice(MAC_UA).os);
  });

  it('without hints, or with none that hold up, gives exactly the User-Agent result', () => {
    const plain = parseDevice(MAC_UA);
    for (const hints of [undefined, null, '', '{}', 'not json', '{"platform":7}', {}, { platform: 7 } as never]) {
      expect(parseDevice(MAC_UA, hints)).toBe(plain);
    }
  });

  it('reads the stored text as the object it came from, and caches each pair', () => {
    const text = encodeClientHints(MAC_HINTS)!;
    const fromText = parseDevice(MAC_UA, text);
    expect(fromText).toEqual(parseDevice(MAC_UA, MAC_HINTS));
    expect(parseDevice(MAC_UA, text)).toBe(fromText);
    expect(parseDevice(MAC_UA, { ...MAC_HINTS })).toBe(parseDevice(MAC_UA, { ...MAC_HINTS }));
    expect(Object.isFrozen(fromText.os)).toBe(true);
    // The User-Agent's own entry is untouched by the hinted one.
    expect(parseDevice(MAC_UA).summary).toBe('Chrome on macOS');
  });
});
