import type { ClientDetails } from './client-details.js';
import type { SessionCookie } from './session-cookie.js';

/** Node-style callback of express-session's methods. */
export type SessionCallback = (error?: Error | null) => void;

/** What a {@link RequestSession} asks of the request it belongs to. */
export interface SessionController {
  readonly cookie: SessionCookie;
  readonly client: ClientDetails;
  /** The session key (cookie value); a new session is given one on first use. */
  key(): string;
  /** SHA-256 of the key: the public id, as listed and revoked. */
  publicId(): string;
  /** Whether the session exists in the store (false for a new, unsaved one). */
  isStored(): boolean;
  regenerate(): Promise<void>;
  destroy(): Promise<void>;
  reload(): Promise<void>;
  save(): Promise<void>;
  touch(): void;
}

/**
 * `req.session`: the session data as plain properties, with express-session's methods, so that
 * passport, Nest's `@Session()` and code written for express-session work unchanged.
 *
 * Each method takes an optional Node-style callback (as express-session's do) and, without one,
 * returns a Promise. Every own enumerable property is session data and must be JSON-serialisable.
 */
export class RequestSession {
  [key: string]: unknown;

  // A private field: invisible to JSON, spreads and Object.keys, so never taken for session data.
  readonly #controller: SessionController;

  constructor(controller: SessionController) {
    this.#controller = controller;
  }

  /** The session key, as in express-session. It is the cookie value: treat it as a secret. */
  get id(): string {
    return this.#controller.key();
  }

  /** The public id of this session (SHA-256 of its key): what `SessionService.list()` shows. */
  get publicId(): string {
    return this.#controller.publicId();
  }

  /** Whether the session has been saved to the store at least once. */
  get isStored(): boolean {
    return this.#controller.isStored();
  }

  /** The cookie settings of this session; `cookie.maxAge = ms` changes its lifetime. */
  get cookie(): SessionCookie {
    return this.#controller.cookie;
  }

  /** IP, User-Agent and Client Hints of the current request, as they will be stored. */
  get client(): ClientDetails {
    return this.#controller.client;
  }

  /** Replaces the session with a new, empty one under a new key; the old one is deleted. */
  regenerate(): Promise<void>;
  regenerate(callback: SessionCallback): this;
  regenerate(callback?: SessionCallback): this | Promise<void> {
    return settle(this, this.#controller.regenerate(), callback);
  }

  /** Deletes the session; `req.session` is removed and the cookie cleared on the response. */
  destroy(): Promise<void>;
  destroy(callback: SessionCallback): this;
  destroy(callback?: SessionCallback): this | Promise<void> {
    return settle(this, this.#controller.destroy(), callback);
  }

  /** Re-reads the session data from the store, dropping unsaved changes. */
  reload(): Promise<void>;
  reload(callback: SessionCallback): this;
  reload(callback?: SessionCallback): this | Promise<void> {
    return settle(this, this.#controller.reload(), callback);
  }

  /**
   * Saves the session now rather than when the response is sent (passport does this before
   * redirecting). Saving is otherwise automatic.
   */
  save(): Promise<void>;
  save(callback: SessionCallback): this;
  save(callback?: SessionCallback): this | Promise<void> {
    return settle(this, this.#controller.save(), callback);
  }

  /** Marks the session to be saved on this response so that its expiry moves forward. */
  touch(): this {
    this.#controller.touch();
    return this;
  }

  /** express-session's name for {@link touch}. */
  resetMaxAge(): this {
    return this.touch();
  }
}

function settle<T extends RequestSession>(
  session: T,
  work: Promise<void>,
  callback: SessionCallback | undefined,
): T | Promise<void> {
  if (!callback) return work;
  work.then(
    () => callback(),
    (error: Error) => callback(error),
  );
  return session;
}

/** Names a stored data key may not take: they would shadow the session's methods or prototype. */
export const RESERVED_DATA_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  ...Object.getOwnPropertyNames(RequestSession.prototype),
]);
