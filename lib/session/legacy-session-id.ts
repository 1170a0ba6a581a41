import { createHash } from 'node:crypto';

// Both prefixes contain ':', which no session key ([a-z0-9]{32}) does: the digests below can never
// be the digest of a key this library issues, so imported rows cannot be reached through a normal
// session cookie and never collide with normal rows.
const SESSION_PREFIX = 'express-session:';
const RECEIPT_PREFIX = 'express-session-imported:';

/**
 * The primary key (and public id) of the row imported from the express-session session `sid`:
 * SHA-256 of the prefixed id, so that, as for every session, the table never holds a usable id.
 */
export function legacySessionDigest(sid: string): string {
  return createHash('sha256')
    .update(SESSION_PREFIX + sid)
    .digest('hex');
}

/**
 * The primary key of the receipt row that records that `sid` was imported. The imported row
 * itself goes away once its cookie is exchanged (or the session is revoked); the receipt stays
 * until the session's original expiry, so that running the import again never brings back a
 * session that was already exchanged or revoked.
 */
export function importReceiptDigest(sid: string): string {
  return createHash('sha256')
    .update(RECEIPT_PREFIX + sid)
    .digest('hex');
}
