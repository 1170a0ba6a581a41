import type { ClientDetails } from './client-details.js';
import type { ClientHintBrand, ClientHints } from './client-hints.js';
import { decodeClientHints, encodeClientHints } from './client-hints-codec.js';
import type { SessionRecord } from './session-record.js';

/**
 * The hints a session stores once this request's `client` is recorded (the stored text, or null),
 * given the row as it was (`before`; null for a new session):
 *
 * - another browser (a new session, or a changed User-Agent): what this request sent, or none;
 *   hints stored for the old User-Agent described another browser;
 * - the same User-Agent: each hint this request sent replaces the stored one, and a hint it did
 *   not send keeps the stored value. A request that sends none (curl, a browser's first request,
 *   before it has seen `Accept-CH`; or the option turned off) so keeps them all.
 *
 * Brands from `Sec-CH-UA` alone (major versions) that agree with the stored full versions keep
 * those: the low-entropy header does not undo the high-entropy one.
 */
export function clientHintsToStore(
  before: Pick<SessionRecord, 'userAgent' | 'clientHints'> | null,
  client: ClientDetails,
): string | null {
  const sent = client.clientHints;
  if (before === null || before.userAgent !== client.userAgent) return encodeClientHints(sent);
  if (sent === null) return before.clientHints;
  const sentText = encodeClientHints(sent);
  // A browser that knows the hints sends the same ones on every request: no merge to work out.
  if (sentText === before.clientHints) return sentText;
  const stored = decodeClientHints(before.clientHints);
  return stored === null ? sentText : encodeClientHints(mergeClientHints(stored, sent));
}

/** `stored` with every hint that `sent` has replaced by its value. */
function mergeClientHints(stored: ClientHints, sent: ClientHints): ClientHints {
  return {
    platform: sent.platform ?? stored.platform,
    platformVersion: sent.platformVersion ?? stored.platformVersion,
    model: sent.model ?? stored.model,
    mobile: sent.mobile ?? stored.mobile,
    brands: keepsStoredBrands(stored.brands, sent.brands) ? stored.brands : sent.brands,
  };
}

/** Whether the stored brands stand: none were sent, or only what they already say more fully. */
function keepsStoredBrands(
  stored: readonly ClientHintBrand[] | undefined,
  sent: readonly ClientHintBrand[] | undefined,
): boolean {
  if (sent === undefined) return true;
  return stored !== undefined && refines(stored, sent);
}

/**
 * Whether `fuller` names the same brands as `brands`, in order, each with the same version or a
 * longer one that starts with it ("124.0.6367.91" refines "124").
 */
function refines(fuller: readonly ClientHintBrand[], brands: readonly ClientHintBrand[]): boolean {
  return (
    fuller.length === brands.length &&
    fuller.every(
      (entry, index) =>
        entry.brand === brands[index]!.brand &&
        (entry.version === brands[index]!.version || entry.version.startsWith(`${brands[index]!.version}.`)),
    )
  );
}
