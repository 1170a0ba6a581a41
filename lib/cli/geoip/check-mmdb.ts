import maxmind from 'maxmind';

/** What a downloaded database says about itself. */
export interface MmdbSummary {
  /** `database_type` metadata, e.g. `GeoLite2-City`. */
  databaseType: string;
  /** When MaxMind built it. */
  buildEpoch: Date;
}

/**
 * Opens a database file the way the app will (the `maxmind` package) and refuses it unless it
 * is a MaxMind DB v2 of the expected kind that answers lookups. Throws an Error whose message
 * says what is wrong with the file.
 *
 * The kind check compares the last part of the edition ("City" of `GeoLite2-City`) with the
 * file's `database_type`: a URL template that ignores `{edition}` would otherwise install the
 * country database as the city one.
 */
export async function checkMmdbFile(path: string, edition: string): Promise<MmdbSummary> {
  const reader = await maxmind.open(path);
  const { binaryFormatMajorVersion, ipVersion, nodeCount, databaseType, buildEpoch } = reader.metadata;
  // mmdb-lib finds the metadata marker and trusts the rest: check what it cannot.
  if (binaryFormatMajorVersion !== 2 || (ipVersion !== 4 && ipVersion !== 6) || !Number.isSafeInteger(nodeCount)) {
    throw new Error(
      `unexpected metadata (format version ${String(binaryFormatMajorVersion)}, IP version ${String(ipVersion)})`,
    );
  }
  const kind = edition.split('-').pop()!;
  if (typeof databaseType !== 'string' || !databaseType.split('-').includes(kind)) {
    throw new Error(`it is a ${JSON.stringify(databaseType)} database, not a ${kind} database`);
  }
  // Walk the search tree and decode a record or two: a damaged tree or data section throws here.
  reader.get('8.8.8.8');
  if (ipVersion === 6) reader.get('2001:4860:4860::8888');
  return { databaseType, buildEpoch };
}
