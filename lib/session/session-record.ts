/** The id of a user as the app's user entity defines it (integer or string/uuid primary key). */
export type UserId = string | number;

/**
 * One stored session, as the store port sees it: engine-neutral, no TypeORM or cache types.
 * `digest` is the SHA-256 of the cookie key; `data` is the session data as JSON text.
 */
export interface SessionRecord {
  digest: string;
  data: string;
  userId: UserId | null;
  ip: string | null;
  userAgent: string | null;
  expireDate: Date;
  createdAt: Date;
  updatedAt: Date;
  /** When the user last proved who they are on this session: its sign-in, or `markReauthenticated()`. */
  reauthenticatedAt: Date | null;
  /** The device name the person gave this session ("Work laptop"), or null. */
  label: string | null;
  /**
   * The client's User-Agent Client Hints as stored (compact JSON, see client-hints-codec.ts), or
   * null: only with the `clientHints` option, from browsers that send them.
   */
  clientHints: string | null;
}
