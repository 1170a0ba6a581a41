/**
 * One brand of the browser with its version, from `Sec-CH-UA-Full-Version-List` (full versions,
 * `"124.0.6367.91"`) or, when only that was sent, `Sec-CH-UA` (major versions, `"124"`).
 */
export interface ClientHintBrand {
  /** e.g. `"Google Chrome"`, `"Microsoft Edge"`, `"Chromium"` (GREASE brands are dropped). */
  readonly brand: string;
  readonly version: string;
}

/**
 * What a browser's User-Agent Client Hints say about it (the `clientHints` option). Each field is
 * there only when the request sent its header, well-formed: `platform` from `Sec-CH-UA-Platform`
 * (`"macOS"`, `"Windows"`, `"Android"`, `"Chrome OS"`, `"Linux"`, `"iOS"`), `platformVersion`
 * from `Sec-CH-UA-Platform-Version` (`"14.2.1"`; `""` when the browser does not tell), `model`
 * from `Sec-CH-UA-Model` (`"Pixel 8"`; `""` on desktops), `mobile` from `Sec-CH-UA-Mobile`, and
 * `brands`.
 */
export interface ClientHints {
  readonly platform?: string;
  readonly platformVersion?: string;
  readonly model?: string;
  readonly mobile?: boolean;
  readonly brands?: readonly ClientHintBrand[];
}

/** Longest hint header read, in characters; a longer one is ignored (real ones are far shorter). */
export const MAX_HINT_HEADER_LENGTH = 512;
/** Most brands one list may have; a longer list is ignored (browsers send three). */
export const MAX_HINT_BRANDS = 10;
/** Longest string in a hint (a platform, model, brand or version), in characters. */
export const MAX_HINT_STRING_LENGTH = 64;
/** Longest stored form of a session's hints (the `client_hints` column is VARCHAR(512)). */
export const MAX_STORED_HINTS_LENGTH = 512;

// Printable ASCII only: what an RFC 8941 string can hold, so no control characters.
const HINT_STRING = /^[\x20-\x7e]*$/;
// Versions as browsers write them: "14", "14.2.1", "124.0.6367.91".
const VERSION = /^\d{1,10}(\.\d{1,10}){0,5}$/;
// Real brand names are words ("Google Chrome", "Microsoft Edge", "Opera GX", "Samsung Internet").
const BRAND_NAME = /^[A-Za-z0-9][A-Za-z0-9 .-]*$/;
// Chromium's GREASE brands: "Not A;Brand", "Not/A)Brand", "Not:A-Brand", "Not_A Brand"...
const GREASE_BRAND = /^not.a.brand$/i;

/** A hint string that may be kept: at most {@link MAX_HINT_STRING_LENGTH} printable ASCII characters. */
export function isHintString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_HINT_STRING_LENGTH && HINT_STRING.test(value);
}

/** A platform version that may be kept: a version, or `""` (the browser does not tell). */
export function isPlatformVersion(value: unknown): value is string {
  return value === '' || (isHintString(value) && VERSION.test(value));
}

/**
 * A brand worth keeping: a plain name with a version. GREASE brands (the made-up names Chromium
 * adds so that servers cannot match the list exactly) and names with unusual punctuation are not.
 */
export function isRealBrand(brand: unknown, version: unknown): boolean {
  return (
    isHintString(brand) &&
    BRAND_NAME.test(brand) &&
    !GREASE_BRAND.test(brand) &&
    isHintString(version) &&
    VERSION.test(version)
  );
}
