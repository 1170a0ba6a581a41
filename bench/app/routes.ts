import { HTTP_USERS } from '../bench-config.js';

// The three routes every variant serves, with the same paths and response shapes, so that the
// variants differ only in what their session layer does.

/** GET: `{ userId, count }` of the signed-in session; 401 when not signed in. */
export const READ_PATH = '/read';
/** POST: increments `count` in the signed-in session, answers `{ count }`; 401 when not signed in. */
export const WRITE_PATH = '/write';
/** POST `?user=<id>`: signs in as that user (default 1) on a new session, answers `{ userId }`. */
export const LOGIN_PATH = '/login';

/** The user id a login asks for: `?user=` when it names a seeded user, else user 1. */
export function loginUserId(query: string | undefined): number {
  const id = Number(query);
  return Number.isInteger(id) && id >= 1 && id <= HTTP_USERS ? id : 1;
}

/** The body of a read. */
export interface ReadResponse {
  userId: number;
  count: number;
}
