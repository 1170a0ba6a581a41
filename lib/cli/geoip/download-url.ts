import { QSessionsCommandError } from '../command-error.js';
import { REDACTED, redactSecrets } from '../redact.js';

/**
 * MaxMind's download address, the one django-qsessions' `download_geoip_db` uses. `{edition}`
 * and `{key}` are replaced (URL-encoded) for each database.
 */
export const MAXMIND_URL_TEMPLATE =
  'https://download.maxmind.com/app/geoip_download?edition_id={edition}&license_key={key}&suffix=tar.gz';

/** The address of one edition's archive: the real one, and one fit to print (the key hidden). */
export interface DownloadUrl {
  url: string;
  /** The same address with `...` for the licence key: the only form that is ever printed. */
  display: string;
}

/** True when the template needs a licence key (it has a `{key}` placeholder). */
export function templateNeedsKey(template: string): boolean {
  return template.includes('{key}');
}

/**
 * Fills in a URL template. Throws a usage error (which never repeats the key) when the
 * template has no `{edition}` (every edition would download the same file) or does not give
 * an http(s) URL.
 */
export function expandUrlTemplate(template: string, edition: string, key: string | undefined): DownloadUrl {
  if (!template.includes('{edition}')) {
    throw new QSessionsCommandError(
      'The download URL template must contain {edition} (replaced by GeoLite2-City, then GeoLite2-Country); ' +
        `got ${JSON.stringify(redactSecrets(template, [key]))}.`,
      2,
    );
  }
  const fill = (keyText: string) =>
    template.split('{edition}').join(encodeURIComponent(edition)).split('{key}').join(keyText);
  const url = fill(encodeURIComponent(key ?? ''));
  // Also hides a key pasted into the template itself instead of `{key}`.
  const display = redactSecrets(fill(REDACTED), [key]);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new QSessionsCommandError(
      `The download URL template does not give a valid URL: ${JSON.stringify(display)}.`,
      2,
    );
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new QSessionsCommandError(`The download URL must be http:// or https://; got ${JSON.stringify(display)}.`, 2);
  }
  return { url, display };
}
