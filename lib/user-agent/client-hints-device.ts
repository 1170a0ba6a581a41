import type { ClientHintBrand, ClientHints } from '../session/client-hints.js';
import { isDesktopOs } from './desktop-os.js';
import type { BrowserInfo, HardwareInfo, OsInfo } from './device-types.js';

// What User-Agent Client Hints correct in a parsed User-Agent. Browsers freeze the OS in the
// User-Agent (macOS 10.15.7, Windows NT 10.0, Android 10 on model "K") and, since Chrome 101,
// the minor browser version; the hints carry the real values. Names stay those ua-parser-js 1.x
// uses, so that a DeviceInfo reads the same with hints or without.

/** `Sec-CH-UA-Platform` values, by the OS name ua-parser-js 1.x gives the same system. */
const PLATFORMS = new Map([
  ['macOS', 'Mac OS'],
  ['Windows', 'Windows'],
  ['Android', 'Android'],
  ['Chrome OS', 'Chromium OS'],
  ['Chromium OS', 'Chromium OS'],
  ['Linux', 'Linux'],
  ['iOS', 'iOS'],
]);

/** Brands that name a browser, by the name ua-parser-js 1.x gives it ("Chromium" is apart: see hintedBrowser). */
const BRANDS = new Map([
  ['Google Chrome', 'Chrome'],
  ['Microsoft Edge', 'Edge'],
  ['Opera', 'Opera'],
  ['Opera GX', 'Opera GX'],
  ['Brave', 'Brave'],
  ['Samsung Internet', 'Samsung Internet'],
  ['YaBrowser', 'Yandex'],
  ['Yandex', 'Yandex'],
  ['Vivaldi', 'Vivaldi'],
  ['DuckDuckGo', 'DuckDuckGo'],
  ['Android WebView', 'Chrome WebView'],
  ['HeadlessChrome', 'Chrome Headless'],
]);

/** What ua-parser-js calls browsers that say "Chrome" in their User-Agent whatever they are. */
const CHROMIUM_NAMES = new Set(['Chrome', 'Chromium', 'Chrome Headless']);

/** The operating system, with the hints' platform and version where they tell. */
export function hintedOs(parsed: OsInfo, hints: ClientHints): OsInfo {
  const name = hints.platform === undefined ? undefined : PLATFORMS.get(hints.platform);
  // No platform, or one this does not know ("Unknown", "Fuchsia"): the User-Agent's word stands.
  if (name === undefined) return parsed;
  const uaVersion = name === parsed.name ? parsed.version : null;
  const exact = exactVersion(name, hints.platformVersion ?? '', uaVersion);
  if (exact !== null) return { name, version: exact, versionFromClientHints: true };
  // Another OS than the User-Agent says: its version would be of that other one.
  return { name, version: uaVersion, versionFromClientHints: false };
}

/**
 * The OS version that `platformVersion` stands for, or null when it says nothing: macOS by its
 * major version ("14.2.1" is macOS 14; before 11, "10.15"); Windows by Microsoft's mapping
 * (platform version 13 and up is Windows 11, 1 to 10 is Windows 10, 0 is an older one, whose
 * User-Agent version `uaVersion` is then exact); any other system as it is.
 */
function exactVersion(name: string, platformVersion: string, uaVersion: string | null): string | null {
  if (platformVersion === '') return null;
  const [major = 0, minor = 0] = platformVersion.split('.').map(Number);
  if (name === 'Mac OS') return major >= 11 ? String(major) : `${major}.${minor}`;
  if (name === 'Windows') return major >= 13 ? '11' : major >= 1 ? '10' : uaVersion;
  return platformVersion;
}

/**
 * The browser the brands name, with its full version: the first known brand other than
 * "Chromium" ("Google Chrome", "Microsoft Edge", "Brave"...). A list with "Chromium" alone comes
 * from Chromium itself (its User-Agent says "Chrome") or a browser that hides its brand.
 */
export function hintedBrowser(parsed: BrowserInfo, brands: readonly ClientHintBrand[] | undefined): BrowserInfo {
  if (brands === undefined) return parsed;
  const named = brands.find(({ brand }) => BRANDS.has(brand));
  if (named) return withVersion(BRANDS.get(named.brand)!, named.version);
  const chromium = brands.find(({ brand }) => brand === 'Chromium');
  if (chromium && (parsed.name === null || CHROMIUM_NAMES.has(parsed.name))) {
    return withVersion(parsed.name === null || parsed.name === 'Chrome' ? 'Chromium' : parsed.name, chromium.version);
  }
  return parsed;
}

/** The hardware, with the hints' model (when not empty) and a phone when they say mobile. */
export function hintedHardware(parsed: HardwareInfo, hints: ClientHints, os: OsInfo, parsedOs: OsInfo): HardwareInfo {
  const model = hints.model ? hints.model : parsed.model;
  let type = parsed.type;
  if (hints.mobile === true) type = 'mobile';
  // "desktop" (or none) was a guess from the User-Agent's OS, and the hints named another.
  else if (os.name !== parsedOs.name && (type === null || type === 'desktop')) {
    type = os.name !== null && isDesktopOs(os.name) ? 'desktop' : null;
  }
  return { type, vendor: parsed.vendor, model };
}

function withVersion(name: string, version: string): BrowserInfo {
  return { name, version, major: version.split('.')[0]! };
}
