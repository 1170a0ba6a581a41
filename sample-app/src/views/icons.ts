import type { DeviceInfo } from 'nest-qsessions';
import { trusted, type SafeHtml } from './html.js';

// Simple line icons (24×24, drawn with currentColor), one per device type. Written here, not
// taken from an icon set, so the sample has no asset to license or download.
const DEVICE_SHAPES: Record<string, string> = {
  desktop: '<rect x="2.5" y="4" width="19" height="12.5" rx="2"/><path d="M8.5 20.5h7M12 16.5v4"/>',
  mobile: '<rect x="6.5" y="2.5" width="11" height="19" rx="2.5"/><path d="M10.5 18.5h3"/>',
  tablet: '<rect x="4" y="2.5" width="16" height="19" rx="2.5"/><path d="M10.5 18.5h3"/>',
  smarttv: '<rect x="2.5" y="5.5" width="19" height="12.5" rx="2"/><path d="M7 21h10M8.5 2.5 12 5.5l3.5-3"/>',
  console:
    '<path d="M7 7.5h10a5 5 0 0 1 0 10c-1.6 0-2.4-1.5-3.2-2.5h-3.6c-.8 1-1.6 2.5-3.2 2.5a5 5 0 0 1 0-10Z"/><path d="M7.5 10.5v3M6 12h3"/><path d="M15.5 11h.01M17.5 13h.01"/>',
  wearable:
    '<rect x="6.5" y="6.5" width="11" height="11" rx="3"/><path d="m9 6.5.7-4h4.6l.7 4M9 17.5l.7 4h4.6l.7-4M12 9.5V12l1.5 1"/>',
  unknown:
    '<circle cx="12" cy="12" r="9.5"/><path d="M2.5 12h19M12 2.5c2.6 2.7 3.9 5.9 3.9 9.5s-1.3 6.8-3.9 9.5c-2.6-2.7-3.9-5.9-3.9-9.5S9.4 5.2 12 2.5Z"/>',
};

function svg(shape: string, className: string): SafeHtml {
  return trusted(
    `<svg class="${className}" viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" ` +
      `stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${shape}</svg>`,
  );
}

/** The icon of a session's device type (a globe when the type is unknown). */
export function deviceIcon(device: DeviceInfo, className = 'device-icon-svg'): SafeHtml {
  const type = device.device.type;
  return svg(DEVICE_SHAPES[type ?? 'unknown'] ?? DEVICE_SHAPES.unknown!, className);
}

/** Small icons used in the facts of a session card. */
export const icons = {
  pin: svg(
    '<path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21Z"/><circle cx="12" cy="9.5" r="2.5"/>',
    'fact-icon',
  ),
  network: svg(
    '<circle cx="12" cy="5" r="2.5"/><circle cx="5" cy="19" r="2.5"/><circle cx="19" cy="19" r="2.5"/><path d="M12 7.5v4M12 11.5 6.5 17M12 11.5l5.5 5.5"/>',
    'fact-icon',
  ),
  signIn: svg('<path d="M14 3h5a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-5"/><path d="M10 17l5-5-5-5M15 12H3"/>', 'fact-icon'),
  clock: svg('<circle cx="12" cy="12" r="9.5"/><path d="M12 7v5l3 2"/>', 'fact-icon'),
  shield: svg(
    '<path d="M12 2.5 4.5 5.5v6c0 4.6 3.2 8.6 7.5 10 4.3-1.4 7.5-5.4 7.5-10v-6L12 2.5Z"/><path d="m9 12 2 2 4-4"/>',
    'brand-icon',
  ),
};
