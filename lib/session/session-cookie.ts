import type { ResolvedCookieOptions } from '../options/resolved-options.js';

/** What a {@link SessionCookie} needs from its request. */
export interface SessionCookieHost {
  /** The idle lifetime of this session in ms, or null for the configured default. */
  customMaxAge: number | null;
  /** Whether the current request is HTTPS (for `secure: 'auto'`). */
  readonly secureRequest: boolean;
}

/**
 * `req.session.cookie`, shaped like express-session's `Cookie`. Setting `maxAge` (ms) or
 * `expires` gives this one session its own idle lifetime (for example "remember me"); it is
 * kept with the session and applies to every later save.
 */
export class SessionCookie {
  constructor(
    private readonly options: ResolvedCookieOptions,
    private readonly host: SessionCookieHost,
  ) {}

  /** The idle lifetime in ms that the next save will apply. */
  get originalMaxAge(): number {
    return this.host.customMaxAge ?? this.options.maxAge;
  }

  /** Milliseconds the session will last from now once saved. Assign to change this session's lifetime. */
  get maxAge(): number {
    return this.originalMaxAge;
  }

  set maxAge(value: number | null | undefined) {
    if (value === null || value === undefined) {
      this.host.customMaxAge = null;
      return;
    }
    if (!Number.isFinite(value) || value < 1000) {
      throw new RangeError('req.session.cookie.maxAge must be a number of milliseconds of at least 1000.');
    }
    this.host.customMaxAge = Math.floor(value);
  }

  /** When the session expires if saved now. Assign a future Date to set its lifetime. */
  get expires(): Date {
    return new Date(Date.now() + this.originalMaxAge);
  }

  set expires(value: Date | null | undefined) {
    this.maxAge = value ? value.getTime() - Date.now() : null;
  }

  get name(): string {
    return this.options.name;
  }

  get path(): string {
    return this.options.path;
  }

  get domain(): string | undefined {
    return this.options.domain;
  }

  get httpOnly(): boolean {
    return this.options.httpOnly;
  }

  get sameSite(): 'lax' | 'strict' | 'none' | false {
    return this.options.sameSite;
  }

  get secure(): boolean {
    return this.options.secure === 'auto' ? this.host.secureRequest : this.options.secure;
  }

  /** Whether the browser keeps the cookie only until it closes. */
  get expireAtBrowserClose(): boolean {
    return this.options.expireAtBrowserClose;
  }

  toJSON(): Record<string, unknown> {
    return {
      originalMaxAge: this.originalMaxAge,
      expires: this.expires.toISOString(),
      path: this.path,
      domain: this.domain,
      httpOnly: this.httpOnly,
      sameSite: this.sameSite,
      secure: this.secure,
    };
  }
}
