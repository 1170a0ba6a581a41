import type { User } from './user.entity.js';

/**
 * Where the sample app writes to a user. The demo users have no e-mail column (a real app has
 * one, checked at sign-up): each gets `<username>@example.com`, a domain reserved for examples
 * (RFC 2606), so that no mail of the demo can reach a real person.
 */
export function emailOf(user: Pick<User, 'username'>): string {
  return `${user.username}@example.com`;
}
