import type { SessionEnd } from 'nest-qsessions';

const ON_ANOTHER_DEVICE = 'You were signed out on another device.';

// Why a session ended (its revocation reason, which is also the `ended` key of the sign-in page's
// address: SignedInGuard's redirect, and the live page script's when its WebSocket is closed) →
// what the sign-in page says. An end caused from another of the user's devices says "You were
// signed out on another device."; a more telling one says more. Only these keys: the page never
// shows text taken from its address, and a reason that is not here (a plain sign-out among them)
// shows nothing.
const NOTICES = new Map<string, string>([
  ['revoke', ON_ANOTHER_DEVICE],
  ['revoke-others', ON_ANOTHER_DEVICE],
  ['revoke-all', ON_ANOTHER_DEVICE],
  ['user-request', ON_ANOTHER_DEVICE],
  ['password-changed', 'Your password was changed on another device. Sign in with the new one.'],
  ['admin', 'An administrator signed you out.'],
  ['limit', 'You were signed out because your account signed in on too many devices.'],
  ['expired', 'Your session expired.'],
  ['revoke-link', 'This device was signed out from a security e-mail.'],
]);

/** The sign-in page's sentence for an `ended` key, or null for a missing or unknown one. */
export function signedOutNotice(key: unknown): string | null {
  return typeof key === 'string' ? (NOTICES.get(key) ?? null) : null;
}

/** The `ended` key for why a session ended, when the sign-in page has something to say about it. */
export function endedKey(ended: SessionEnd | undefined): string | null {
  return ended && NOTICES.has(ended.reason) ? ended.reason : null;
}

/**
 * The sign-in page's address: `next` (a checked local path) to come back to, and `ended` (a key
 * of {@link signedOutNotice}) to say why this browser was signed out.
 */
export function loginUrl(next: string | null, ended: string | null): string {
  const query = [
    ended && `ended=${encodeURIComponent(ended)}`,
    next && next !== '/sessions' && `next=${encodeURIComponent(next)}`,
  ].filter(Boolean);
  return query.length > 0 ? `/login?${query.join('&')}` : '/login';
}
