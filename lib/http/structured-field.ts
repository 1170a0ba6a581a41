// The part of RFC 8941 (Structured Field Values for HTTP) that User-Agent Client Hints use: a
// string, a boolean, and a list of strings with parameters (`"Chromium";v="124"`). Strict: any
// input outside the grammar gives null, never a guess and never an exception. Callers bound the
// input's length first; every pattern here runs in linear time.

/** A string member of a list, with its parameters (a parameter without a value is `true`). */
export interface StringMember {
  readonly value: string;
  readonly params: ReadonlyMap<string, string | true>;
}

// Sticky patterns, each matched at the scanner's position.
// An sf-string holds printable ASCII; `"` and `\` only escaped (so no control characters).
const STRING = /"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"/y;
const ESCAPE = /\\(["\\])/g;
const BOOLEAN = /\?([01])/y;
const TOKEN = /[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/y;
const NUMBER = /-?\d{1,15}(?:\.\d{1,3})?/y;
const KEY = /[a-z*][a-z0-9_\-.*]*/y;
const SPACES = / */y;
const OPTIONAL_WHITESPACE = /[ \t]*/y;

/** An sf-string field (`"macOS"`), parameters allowed and ignored; null when it is not one. */
export function parseStringField(text: string): string | null {
  const scanner = new Scanner(text);
  const value = scanner.bareItem();
  if (typeof value !== 'string' || scanner.params() === null) return null;
  return scanner.atEnd() ? value : null;
}

/** An sf-boolean field (`?1` or `?0`); null when it is not one. */
export function parseBooleanField(text: string): boolean | null {
  const scanner = new Scanner(text);
  const value = scanner.bareItem();
  if (typeof value !== 'boolean' || scanner.params() === null) return null;
  return scanner.atEnd() ? value : null;
}

/**
 * An sf-list whose members are all strings, with at most `maxMembers` of them; null when the text
 * is not one (another kind of member, an inner list, a stray comma) or has more members.
 */
export function parseStringListField(text: string, maxMembers: number): StringMember[] | null {
  const scanner = new Scanner(text);
  const members: StringMember[] = [];
  if (scanner.atEnd()) return members;
  for (;;) {
    const value = scanner.bareItem();
    const params = scanner.params();
    if (typeof value !== 'string' || params === null || members.length === maxMembers) return null;
    members.push({ value, params });
    scanner.skip(OPTIONAL_WHITESPACE);
    if (scanner.atEnd()) return members;
    if (!scanner.take(',')) return null;
    scanner.skip(OPTIONAL_WHITESPACE);
    // A trailing comma is malformed.
    if (scanner.atEnd()) return null;
  }
}

/** Reads one field value from the start; leading and trailing spaces are not part of it. */
class Scanner {
  private position = 0;
  private readonly end: number;

  constructor(private readonly text: string) {
    this.skip(SPACES);
    let end = text.length;
    while (end > this.position && text.charCodeAt(end - 1) === 0x20) end--;
    this.end = end;
  }

  atEnd(): boolean {
    return this.position >= this.end;
  }

  /** Consumes `char` if it is next. */
  take(char: string): boolean {
    if (this.position < this.end && this.text[this.position] === char) {
      this.position++;
      return true;
    }
    return false;
  }

  skip(pattern: RegExp): void {
    this.match(pattern);
  }

  /** A string, a boolean, a token or a number (the last two as `undefined`: never wanted here); null when none. */
  bareItem(): string | boolean | undefined | null {
    const string = this.match(STRING);
    if (string) return string[1]!.replace(ESCAPE, '$1');
    const boolean = this.match(BOOLEAN);
    if (boolean) return boolean[1] === '1';
    return this.match(TOKEN) || this.match(NUMBER) ? undefined : null;
  }

  /** The parameters after an item (`;v="124"`); null when they are malformed. */
  params(): Map<string, string | true> | null {
    const params = new Map<string, string | true>();
    while (this.take(';')) {
      this.skip(SPACES);
      const key = this.match(KEY);
      if (!key) return null;
      let value: string | true = true;
      if (this.take('=')) {
        const item = this.bareItem();
        if (item === null) return null;
        if (typeof item === 'string') value = item;
      }
      params.set(key[0], value);
    }
    return params;
  }

  private match(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text);
    if (found === null || pattern.lastIndex > this.end) return null;
    this.position = pattern.lastIndex;
    return found;
  }
}
