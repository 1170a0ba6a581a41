import { hash, randomBytes } from 'node:crypto';

/** Number of characters in a session key (the cookie value). */
export const SESSION_KEY_LENGTH = 32;

// Django's alphabet: lowercase survives case-insensitive stores and needs no cookie encoding.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// 252 is the largest multiple of 36 below 256: bytes at or above it are rejected so that every
// character is uniformly distributed (no modulo bias). 32 chars × log2(36) ≈ 165 bits.
const UNBIASED_LIMIT = 252;
const KEY_PATTERN = /^[a-z0-9]{32}$/;

/** A fresh session key drawn from the operating system's CSPRNG. */
export function generateSessionKey(): string {
  let key = '';
  while (key.length < SESSION_KEY_LENGTH) {
    // 48 bytes almost always suffice (each byte is rejected with probability 4/256).
    for (const byte of randomBytes(48)) {
      if (byte < UNBIASED_LIMIT) {
        key += ALPHABET[byte % 36];
        if (key.length === SESSION_KEY_LENGTH) break;
      }
    }
  }
  return key;
}

/**
 * Whether a cookie value could be a key we issued. Anything else is rejected before any
 * database or cache lookup, so hostile cookies cost nothing.
 */
export function isWellFormedSessionKey(value: unknown): value is string {
  return typeof value === 'string' && value.length === SESSION_KEY_LENGTH && KEY_PATTERN.test(value);
}

/**
 * The SHA-256 digest (lowercase hex) of a session key. Only the digest is stored in the
 * database and the cache, and it doubles as the session's public id: a leaked table or
 * session list gives no usable cookie.
 */
export function digestSessionKey(key: string): string {
  // One-shot crypto.hash: no Hash object per request (it runs on every request with a cookie).
  return hash('sha256', key, 'hex');
}

/** Whether a value has the shape of a session digest (public id). */
export function isWellFormedDigest(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}
