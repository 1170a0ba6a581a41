import UAParser from 'ua-parser-js';
import type { ClientHints } from '../session/client-hints.js';
import { decodeClientHints, encodeClientHints, normalizeClientHints } from '../session/client-hints-codec.js';
import { hintedBrowser, hintedHardware, hintedOs } from './client-hints-device.js';
import { isDesktopOs } from './desktop-os.js';
import { summarizeDevice } from './device-labels.js';
import { LruCache } from '../util/lru-cache.js';
import type { DeviceInfo } from './device-types.js';

export type { BrowserInfo, DeviceInfo, HardwareInfo, OsInfo } from './device-types.js';

/**
 * Number of distinct User-Agents whose parse is kept (a session list repeats the same few); as
 * many again of distinct User-Agent and Client Hints pairs.
 */
export const DEVICE_CACHE_SIZE = 500;

// ua-parser-js 1.x reads only the first 500 characters (its guard against slow regular
// expressions). Cutting here too keeps cache keys short and gives the same answer.
const PARSED_LENGTH = 500;

/** The answer for an empty or absent User-Agent. */
export const UNKNOWN_DEVICE: DeviceInfo = deepFreeze({
  browser: { name: null, version: null, major: null },
  os: { name: null, version: null, versionFromClientHints: false },
  device: { type: null, vendor: null, model: null },
  summary: 'Unknown device',
});

// Windows versions that ua-parser-js reports by name rather than number.
const NAMED_VERSIONS = new Set(['XP', 'Vista', 'RT', 'ME']);

const cache = new LruCache<string, DeviceInfo>(DEVICE_CACHE_SIZE);
/** Keyed by the hints' stored text, a NUL (which that JSON never holds), then the User-Agent. */
const hintedCache = new LruCache<string, DeviceInfo>(DEVICE_CACHE_SIZE);

/**
 * Parses a User-Agent with ua-parser-js 1.x (MIT; 2.x is AGPL and never used), corrected by the
 * client's User-Agent Client Hints when given (the `clientHints` option): the OS and its real
 * version (`"macOS 14"` rather than the frozen 10.15.7, `"Windows 11"` rather than 10), the
 * browser and its full version from the brands, the phone's model. `clientHints` is what
 * `@ClientInfo()` gives as `clientHints`, or the stored text of a session (`QSession#clientHints`);
 * hints that do not hold up are ignored, and without any the result is the User-Agent's alone.
 *
 * Never throws: null, empty, huge or garbled input gives nulls and a summary. Results are cached
 * (the last {@link DEVICE_CACHE_SIZE} distinct User-Agents, and as many with hints) and frozen,
 * since the same one is shared.
 */
export function parseDevice(
  userAgent: string | null | undefined,
  clientHints?: ClientHints | string | null,
): DeviceInfo {
  // An empty string must not reach ua-parser-js: it would fall back to `navigator.userAgent`,
  // which Node 21+ defines as "Node.js/<version>".
  if (typeof userAgent !== 'string' || userAgent.trim() === '') return UNKNOWN_DEVICE;
  const text = userAgent.length > PARSED_LENGTH ? userAgent.slice(0, PARSED_LENGTH) : userAgent;
  let parsed = cache.get(text);
  if (parsed === undefined) {
    parsed = deepFreeze(describe(new UAParser(text).getResult()));
    cache.set(text, parsed);
  }
  if (clientHints === undefined || clientHints === null) return parsed;
  return withClientHints(parsed, text, clientHints);
}

/** `parsed` as the hints correct it, cached per User-Agent and hints. */
function withClientHints(parsed: DeviceInfo, text: string, clientHints: ClientHints | string): DeviceInfo {
  // A stored text is its own key (parsed only on a miss); an object is keyed by its stored form.
  let hints: ClientHints | null | undefined;
  let key: string | null;
  if (typeof clientHints === 'string') {
    key = clientHints.includes('\u0000') ? null : clientHints;
  } else {
    hints = normalizeClientHints(clientHints);
    key = encodeClientHints(hints);
  }
  if (key === null || key === '') return parsed;
  const cacheKey = `${key}\u0000${text}`;
  const cached = hintedCache.get(cacheKey);
  if (cached !== undefined) return cached;
  hints ??= decodeClientHints(key);
  const info = hints === null ? parsed : deepFreeze(describeWithHints(parsed, hints));
  hintedCache.set(cacheKey, info);
  return info;
}

/** The DeviceInfo of a parsed User-Agent corrected by its client's hints. */
function describeWithHints(parsed: DeviceInfo, hints: ClientHints): DeviceInfo {
  const browser = hintedBrowser(parsed.browser, hints.brands);
  const os = hintedOs(parsed.os, hints);
  const device = hintedHardware(parsed.device, hints, os, parsed.os);
  return { browser, os, device, summary: summarizeDevice({ browser, os, device }) };
}

/** Builds the DeviceInfo of one ua-parser-js result. */
function describe(result: UAParser.IResult): DeviceInfo {
  const browser = {
    name: clean(result.browser.name),
    version: version(result.browser.version),
    major: version(result.browser.major),
  };
  const os = { name: clean(result.os.name), version: version(result.os.version), versionFromClientHints: false };
  const device = {
    type: clean(result.device.type) ?? (os.name !== null && isDesktopOs(os.name) ? 'desktop' : null),
    vendor: clean(result.device.vendor),
    model: clean(result.device.model),
  };
  return { browser, os, device, summary: summarizeDevice({ browser, os, device }) };
}

function clean(value: string | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * A version, or null when it is not one. ua-parser-js takes the word after an OS name as its
 * version ("Windows not a real browser" gives "no"); a real version has a digit, or is one of
 * the Windows release names.
 */
function version(value: string | undefined): string | null {
  const text = clean(value);
  return text !== null && (/\d/.test(text) || NAMED_VERSIONS.has(text)) ? text : null;
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  }
  return Object.freeze(value);
}
