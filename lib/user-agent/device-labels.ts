import type { BrowserInfo, HardwareInfo, OsInfo } from './device-types.js';

/** The parts of a parsed User-Agent the labels are made from. */
export interface DeviceParts {
  readonly browser: BrowserInfo;
  readonly os: OsInfo;
  readonly device: HardwareInfo;
}

/** Options of {@link summarizeDevice}. */
export interface SummaryOptions {
  /** Add the browser's major version: `"Chrome 120 on macOS"`. Default false. */
  browserVersion?: boolean;
}

// Operating systems whose ua-parser-js 1.x name is not the one people know today.
const PLATFORM_NAMES = new Map([
  ['Mac OS', 'macOS'],
  ['Chromium OS', 'ChromeOS'],
]);

// iOS devices are shown by what they are, as django-user-sessions does ("Safari on iPhone").
const IOS_DEVICES = new Set(['iPhone', 'iPad', 'iPod']);

/**
 * The browser as shown to a person: ua-parser-js's name without its `Mobile ` prefix (the
 * platform already tells: "Safari on iPhone", not "Mobile Safari on iPhone"), and `IE` /
 * `IEMobile` written out as "Internet Explorer". Null when unknown.
 */
export function browserLabel(parts: Pick<DeviceParts, 'browser'>): string | null {
  const name = parts.browser.name;
  if (name === null) return null;
  if (name === 'IE' || name === 'IEMobile') return 'Internet Explorer';
  return name.startsWith('Mobile ') ? name.slice('Mobile '.length) : name;
}

/**
 * The platform as shown to a person: `iPhone` / `iPad` / `iPod` for iOS devices, `macOS` for
 * ua-parser-js's "Mac OS", `ChromeOS` for "Chromium OS", otherwise the operating system's name.
 * Its version only when Client Hints gave it (`macOS 14`, `Windows 11`, `Android 14`): browsers
 * freeze the OS version in the User-Agent, so that one misleads. Null when unknown.
 */
export function platformLabel(parts: Pick<DeviceParts, 'os' | 'device'>): string | null {
  const { name, version, versionFromClientHints } = parts.os;
  if (name === null) return null;
  if (name === 'iOS' && parts.device.model !== null && IOS_DEVICES.has(parts.device.model)) return parts.device.model;
  const label = PLATFORM_NAMES.get(name) ?? name;
  return versionFromClientHints && version !== null ? `${label} ${shortVersion(version)}` : label;
}

/** A version without its trailing zero parts, as people say it: "14.0.0" is 14, "13.1.0" is 13.1. */
function shortVersion(version: string): string {
  return version.replace(/(?:\.0+)+$/, '');
}

/**
 * One line for a person: `"<browser> on <platform>"`, else whichever of the two is known, else
 * `"Unknown device"`. The browser version is left out by default, as django-user-sessions does:
 * it changes every few weeks, and the same laptop should read the same in a session list.
 */
export function summarizeDevice(parts: DeviceParts, options: SummaryOptions = {}): string {
  let browser = browserLabel(parts);
  if (browser !== null && options.browserVersion && parts.browser.major !== null) {
    browser = `${browser} ${parts.browser.major}`;
  }
  const platform = platformLabel(parts);
  if (browser !== null && platform !== null) return `${browser} on ${platform}`;
  return browser ?? platform ?? 'Unknown device';
}
