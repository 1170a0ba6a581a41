import { createHash } from 'node:crypto';

/**
 * The digest a session row is stored under, computed here on its own (SHA-256 of the key, hex)
 * rather than through the library, so that a test notices if the library's changes.
 */
export const digest = (key: string): string => createHash('sha256').update(key).digest('hex');
