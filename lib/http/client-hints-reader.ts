import type { IncomingHttpHeaders } from 'node:http';
import {
  MAX_HINT_BRANDS,
  MAX_HINT_HEADER_LENGTH,
  isHintString,
  isPlatformVersion,
  isRealBrand,
  type ClientHintBrand,
  type ClientHints,
} from '../session/client-hints.js';
import { parseBooleanField, parseStringField, parseStringListField } from './structured-field.js';

/**
 * The high-entropy hints the `clientHints` option asks browsers for (`Accept-CH`). The
 * low-entropy ones (`Sec-CH-UA`, `Sec-CH-UA-Mobile`, `Sec-CH-UA-Platform`) come without asking.
 */
export const REQUESTED_CLIENT_HINTS: readonly string[] = [
  'Sec-CH-UA-Platform-Version',
  'Sec-CH-UA-Model',
  'Sec-CH-UA-Full-Version-List',
];

/**
 * The User-Agent Client Hints a request sent, or null when it sent none that hold up. Each hint
 * stands alone: one that is too long (over {@link MAX_HINT_HEADER_LENGTH} characters), malformed,
 * out of bounds or not of its type is left out, and nothing here throws. Brands come from
 * `Sec-CH-UA-Full-Version-List`, else from `Sec-CH-UA`, GREASE brands dropped.
 */
export function readClientHints(headers: IncomingHttpHeaders): ClientHints | null {
  const hints: { -readonly [K in keyof ClientHints]: ClientHints[K] } = {};
  const platform = stringHint(headers['sec-ch-ua-platform']);
  if (platform !== null && isHintString(platform)) hints.platform = platform;
  const platformVersion = stringHint(headers['sec-ch-ua-platform-version']);
  if (platformVersion !== null && isPlatformVersion(platformVersion)) hints.platformVersion = platformVersion;
  const model = stringHint(headers['sec-ch-ua-model']);
  if (model !== null && isHintString(model)) hints.model = model;
  const mobile = field(headers['sec-ch-ua-mobile'], parseBooleanField);
  if (mobile !== null) hints.mobile = mobile;
  const brands = brandList(headers['sec-ch-ua-full-version-list']) ?? brandList(headers['sec-ch-ua']);
  if (brands !== null) hints.brands = brands;
  return Object.keys(hints).length > 0 ? hints : null;
}

function stringHint(header: string | string[] | undefined): string | null {
  return field(header, parseStringField);
}

/** The brands of a brand list header (GREASE and malformed brands left out); null when it cannot be read. */
function brandList(header: string | string[] | undefined): ClientHintBrand[] | null {
  const members = field(header, (text) => parseStringListField(text, MAX_HINT_BRANDS));
  if (members === null) return null;
  const brands: ClientHintBrand[] = [];
  for (const { value: brand, params } of members) {
    const version = params.get('v');
    if (isRealBrand(brand, version)) brands.push({ brand, version: version as string });
  }
  return brands;
}

/** The parsed value of a hint header, or null when it is absent, too long or malformed. */
function field<T>(header: string | string[] | undefined, parse: (text: string) => T | null): T | null {
  if (header === undefined) return null;
  // Node joins repeated headers it does not know with ", ": the combined field value, as RFC 8941 reads it.
  const text = typeof header === 'string' ? header : header.join(', ');
  return text.length <= MAX_HINT_HEADER_LENGTH ? parse(text) : null;
}
