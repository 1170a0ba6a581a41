import type { UserId } from '../session/session-record.js';

/** `userId`, else passport's `passport.user` (a primary key, or an object carrying `id`). */
export function defaultUserIdFromSession(data: Readonly<Record<string, unknown>>): UserId | null {
  const direct = asUserId(data.userId);
  if (direct !== null) return direct;
  const passport = data.passport;
  if (typeof passport === 'object' && passport !== null) {
    const user = (passport as { user?: unknown }).user;
    const id = asUserId(user);
    if (id !== null) return id;
    if (typeof user === 'object' && user !== null) return asUserId((user as { id?: unknown }).id);
  }
  return null;
}

function asUserId(value: unknown): UserId | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && value !== '') return value;
  return null;
}
