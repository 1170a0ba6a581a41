import type { DeviceInfo } from 'nest-qsessions';

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

// Largest unit first: [unit, seconds in it, use it from this many seconds on].
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number, number]> = [
  ['year', 365 * 86400, 320 * 86400],
  ['month', 30 * 86400, 26 * 86400],
  ['day', 86400, 22 * 3600],
  ['hour', 3600, 45 * 60],
  ['minute', 60, 45],
];

/**
 * "just now", "5 minutes ago", "yesterday", "in 14 days": how people say a time near `now`
 * (rounded, in the largest unit that fits, as GitHub and Google's account pages do).
 */
export function relativeTime(date: Date, now: Date = new Date()): string {
  const seconds = (date.getTime() - now.getTime()) / 1000;
  const size = Math.abs(seconds);
  for (const [unit, length, from] of UNITS) {
    if (size >= from) return relative.format(Math.round(seconds / length) || Math.sign(seconds), unit);
  }
  return seconds <= 0 ? 'just now' : 'in a few seconds';
}

// Times are shown in the server's time zone (TZ), with its name in the tooltip.
const exact = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const exactWithSeconds = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** "25 Nov 2026, 14:05": a date for a table cell or a card. */
export function shortDateTime(date: Date): string {
  return exact.format(date);
}

/** "25 November 2026 at 14:05:09 UTC": the exact time, for a tooltip. */
export function exactDateTime(date: Date): string {
  return exactWithSeconds.format(date);
}

// ua-parser-js's device types, as shown to a person.
const DEVICE_TYPES: Record<string, string> = {
  desktop: 'Desktop',
  mobile: 'Phone',
  tablet: 'Tablet',
  smarttv: 'Smart TV',
  console: 'Game console',
  wearable: 'Wearable',
  embedded: 'Embedded device',
  xr: 'VR/AR headset',
};

/** "Desktop", "Phone", "Tablet"... or "Unknown device type". */
export function deviceTypeLabel(device: DeviceInfo): string {
  const type = device.device.type;
  return type === null ? 'Unknown device type' : (DEVICE_TYPES[type] ?? type.charAt(0).toUpperCase() + type.slice(1));
}

const OS_NAMES: Record<string, string> = { 'Mac OS': 'macOS', 'Chromium OS': 'ChromeOS' };

/** The versions the summary leaves out: "Chrome 124 · Windows 10", "Safari 17 · iOS 17.4". */
export function deviceDetails(device: DeviceInfo): string {
  const parts: string[] = [];
  const browser = device.browser.name?.replace(/^Mobile /, '');
  if (browser) parts.push(device.browser.major ? `${browser} ${device.browser.major}` : browser);
  const os = device.os.name ? (OS_NAMES[device.os.name] ?? device.os.name) : null;
  if (os) parts.push(device.os.version ? `${os} ${device.os.version}` : os);
  return parts.length > 0 ? parts.join(' · ') : 'No browser details';
}

/** "1 session", "3 sessions". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
