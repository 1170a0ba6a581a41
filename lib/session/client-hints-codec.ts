import {
  MAX_HINT_BRANDS,
  MAX_STORED_HINTS_LENGTH,
  isHintString,
  isPlatformVersion,
  isRealBrand,
  type ClientHintBrand,
  type ClientHints,
} from './client-hints.js';

// The stored form of a session's hints (the `client_hints` column, and the cached record): compact
// JSON with the fields in one fixed order, so that equal hints are equal texts and a save can
// tell a change by comparing strings.

/**
 * The hints of `value` that hold up, whatever it is (a stored text's JSON, an app's object): each
 * field kept only when it has the right type and bounds, brands only when real. Null when none do.
 */
export function normalizeClientHints(value: unknown): ClientHints | null {
  if (typeof value !== 'object' || value === null) return null;
  const given = value as Record<string, unknown>;
  const hints: { -readonly [K in keyof ClientHints]: ClientHints[K] } = {};
  if (isHintString(given.platform)) hints.platform = given.platform;
  if (isPlatformVersion(given.platformVersion)) hints.platformVersion = given.platformVersion;
  if (isHintString(given.model)) hints.model = given.model;
  if (typeof given.mobile === 'boolean') hints.mobile = given.mobile;
  if (Array.isArray(given.brands) && given.brands.length <= MAX_HINT_BRANDS) {
    hints.brands = (given.brands as unknown[]).filter(isBrand).map(({ brand, version }) => ({ brand, version }));
  }
  return Object.keys(hints).length > 0 ? hints : null;
}

/**
 * The stored text of `hints` (assumed normalized), or null for none. At most
 * {@link MAX_STORED_HINTS_LENGTH} characters: brands are left off from the end until it fits (the
 * other fields together always do).
 */
export function encodeClientHints(hints: ClientHints | null): string | null {
  if (hints === null) return null;
  const brands = hints.brands ? [...hints.brands] : undefined;
  const ordered = {
    platform: hints.platform,
    platformVersion: hints.platformVersion,
    model: hints.model,
    mobile: hints.mobile,
    brands,
  };
  let text = JSON.stringify(ordered);
  while (text.length > MAX_STORED_HINTS_LENGTH && brands && brands.length > 0) {
    brands.pop();
    text = JSON.stringify(ordered);
  }
  return text === '{}' ? null : text;
}

/** The hints of a stored text; null for none, and for a text that is not one (never throws). */
export function decodeClientHints(text: string | null | undefined): ClientHints | null {
  if (typeof text !== 'string' || text.length > MAX_STORED_HINTS_LENGTH) return null;
  try {
    return normalizeClientHints(JSON.parse(text));
  } catch {
    return null;
  }
}

function isBrand(value: unknown): value is ClientHintBrand {
  if (typeof value !== 'object' || value === null) return false;
  const { brand, version } = value as Record<string, unknown>;
  return isRealBrand(brand, version);
}
