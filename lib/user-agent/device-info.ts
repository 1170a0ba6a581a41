import UAParser from 'ua-parser-js';
import { summarizeDevice } from './device-labels.js';
import { LruCache } from '../util/lru-cache.js';
import type { DeviceInfo } from './device-types.js';

export type { BrowserInfo, DeviceInfo, HardwareInfo, OsInfo } from './device-types.js';

/** Number of distinct User-Agents whose parse is kept (a session list repeats the same few). */
export const DEVICE_CACHE_SIZE = 500;

// ua-parser-js 1.x reads only the first 500 characters (its guard against slow regular
// expressions). Cutting here too keeps cache keys short and gives the same answer.
const PARSED_LENGTH = 500;

/** The answer for an empty or absent User-Agent. */
export const UNKNOWN_DEVICE: DeviceInfo = deepFreeze({
  browser: { name: null, version: null, major: null },
  os: { name: null, version: null },
  device: { type: null, vendor: null, model: null },
  summary: 'Unknown device',
});

// Operating systems of desktops and laptops: lower-case names as ua-parser-js 1.x reports them.
// Mobile ones (Android, iOS, Windows Phone/Mobile, Ubuntu Touch, ...) are not here, and a device
// type named by ua-parser (console, smarttv, ...) always wins over this guess.
const DESKTOP_OS = new Set([
  'windows',
  'mac os',
  'macos',
  'chromium os',
  'linux',
  'ubuntu',
  'kubuntu',
  'xubuntu',
  'lubuntu',
  'debian',
  'suse',
  'opensuse',
  'gentoo',
  'arch',
  'slackware',
  'fedora',
  'mandriva',
  'centos',
  'pclinuxos',
  'red hat',
  'redhat',
  'zenwalk',
  'linpus',
  'raspbian',
  'deepin',
  'manjaro',
  'elementary os',
  'sabayon',
  'linspire',
  'mint',
  'mageia',
  'vectorlinux',
  'gnu',
  'hurd',
  'dragonfly',
  'haiku',
  'solaris',
  'opensolaris',
  'aix',
  'beos',
  'os/2',
  'amigaos',
  'morphos',
  'openvms',
  'hp-ux',
  'unix',
  'plan 9',
  'minix',
  'risc os',
]);

// Windows versions that ua-parser-js reports by name rather than number.
const NAMED_VERSIONS = new Set(['XP', 'Vista', 'RT', 'ME']);

const cache = new LruCache<string, DeviceInfo>(DEVICE_CACHE_SIZE);

/**
 * Parses a User-Agent with ua-parser-js 1.x (MIT; 2.x is AGPL and never used). Never throws:
 * null, empty, huge or garbled input gives nulls and a summary. Results are cached (the last
 * {@link DEVICE_CACHE_SIZE} distinct User-Agents) and frozen, since the same one is shared.
 */
export function parseDevice(userAgent: string | null | undefined): DeviceInfo {
  // An empty string must not reach ua-parser-js: it would fall back to `navigator.userAgent`,
  // which Node 21+ defines as "Node.js/<version>".
  if (typeof userAgent !== 'string' || userAgent.trim() === '') return UNKNOWN_DEVICE;
  const text = userAgent.length > PARSED_LENGTH ? userAgent.slice(0, PARSED_LENGTH) : userAgent;
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const info = deepFreeze(describe(new UAParser(text).getResult()));
  cache.set(text, info);
  return info;
}

/** Builds the DeviceInfo of one ua-parser-js result. */
function describe(result: UAParser.IResult): DeviceInfo {
  const browser = {
    name: clean(result.browser.name),
    version: version(result.browser.version),
    major: version(result.browser.major),
  };
  const os = { name: clean(result.os.name), version: version(result.os.version) };
  const device = {
    type: clean(result.device.type) ?? (os.name !== null && isDesktopOs(os.name) ? 'desktop' : null),
    vendor: clean(result.device.vendor),
    model: clean(result.device.model),
  };
  return { browser, os, device, summary: summarizeDevice({ browser, os, device }) };
}

function isDesktopOs(name: string): boolean {
  const lower = name.toLowerCase();
  // FreeBSD, OpenBSD, NetBSD, PC-BSD, GhostBSD...
  return DESKTOP_OS.has(lower) || lower.endsWith('bsd');
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
