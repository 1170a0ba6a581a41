import request from 'supertest';
import { VISITOR_CSRF_COOKIE } from '../../sample-app/src/auth/visitor-csrf.js';
import { sessionCookie } from './http.js';
import { digest } from './digest.js';

export { digest };

// A browser without JavaScript driving the sample app over HTTP: its cookie jar, forms with
// CSRF tokens, and readers for the pages it shows.

/** Text of an HTML fragment: tags dropped, whitespace collapsed. */
export const text = (fragment: string) =>
  fragment
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export interface Card {
  id: string;
  current: boolean;
  /** The session's name when it has one, else its device summary ("Chrome on Windows"). */
  title: string;
  facts: Record<string, string>;
  action: string;
}

/** The session cards of the "Your sessions" page. */
export function cardsOf(html: string): Card[] {
  return [
    ...html.matchAll(/<li class="card session( current)?" data-session-id="([0-9a-f]{64})">([\s\S]*?)<\/li>/g),
  ].map(([, current, id, body]) => ({
    id: id!,
    current: Boolean(current),
    title: text(/<h2>([\s\S]*?)<\/h2>/.exec(body!)![1]!),
    facts: Object.fromEntries(
      [...body!.matchAll(/<dt>([\s\S]*?)<\/dt>\s*<dd>([\s\S]*?)<\/dd>/g)].map(([, dt, dd]) => [text(dt!), text(dd!)]),
    ),
    // The card's sign-out form (its other form renames the session).
    action: /<form[^>]*action="(\/logout|\/sessions\/[0-9a-f]{64}\/revoke)"/.exec(body!)![1]!,
  }));
}

/** The session ids (`data-session-id`) of the rows of the admin table, with each row's text. */
export function rowsOf(html: string): Array<{ id: string; text: string; revocable: boolean }> {
  return [...html.matchAll(/<tr data-session-id="([0-9a-f]{64})"[^>]*>([\s\S]*?)<\/tr>/g)].map(([, id, body]) => ({
    id: id!,
    text: text(body!),
    revocable: body!.includes('/revoke"'),
  }));
}

/** The texts of a page's flash messages of one kind (`info`, `success`, `error`). */
export function flashesOf(html: string, kind: 'info' | 'success' | 'error'): string[] {
  return [...html.matchAll(new RegExp(`<div class="flash flash-${kind}">([\\s\\S]*?)</div>`, 'g'))].map(([, body]) =>
    text(body!),
  );
}

export interface ActivityEntry {
  event: string;
  sessionId: string;
  /** The label with its badges: "Signed in New device This device". */
  title: string;
  /** "Chrome on Windows · Chrome 124 · Windows 10". */
  device: string;
  facts: Record<string, string>;
}

/** The entries of the "Security activity" page, in page order. */
export function activityOf(html: string): ActivityEntry[] {
  return [
    ...html.matchAll(
      /<li\s+class="activity-item[^"]*"\s+data-event="([a-z-]+)"\s+data-session-id="([0-9a-f]{64})"\s*>([\s\S]*?)<\/li>/g,
    ),
  ].map(([, event, sessionId, body]) => ({
    event: event!,
    sessionId: sessionId!,
    title: text(/<h2>([\s\S]*?)<\/h2>/.exec(body!)![1]!),
    device: text(/<p>([\s\S]*?)<\/p>/.exec(body!)![1]!),
    facts: Object.fromEntries(
      [...body!.matchAll(/<dt>([\s\S]*?)<\/dt>\s*<dd>([\s\S]*?)<\/dd>/g)].map(([, dt, dd]) => [text(dt!), text(dd!)]),
    ),
  }));
}

/** One browser: a cookie jar, a User-Agent, and the address it comes from (X-Forwarded-For). */
export class Browser {
  key: string | undefined;
  /** The visitor's signed CSRF cookie (`sample_csrf`), as the server set it. */
  csrfCookie: string | undefined;
  lastPage = '';

  constructor(
    /** The app it talks to; a test may point it at another instance of the same app. */
    public url: string,
    readonly userAgent: string,
    readonly ip?: string,
  ) {}

  private prepare(test: request.Test): request.Test {
    test.set('User-Agent', this.userAgent);
    if (this.ip) test.set('X-Forwarded-For', this.ip);
    const cookies = [
      this.key && `sessionid=${this.key}`,
      this.csrfCookie && `${VISITOR_CSRF_COOKIE}=${this.csrfCookie}`,
    ].filter(Boolean);
    if (cookies.length > 0) test.set('Cookie', cookies.join('; '));
    return test;
  }

  private remember(response: request.Response): request.Response {
    const cookie = sessionCookie(response.headers);
    if (cookie) this.key = cookie.attributes['max-age'] === '0' ? undefined : cookie.value;
    const csrf = sessionCookie(response.headers, VISITOR_CSRF_COOKIE);
    if (csrf) this.csrfCookie = csrf.value;
    if (typeof response.text === 'string' && response.text.startsWith('<!doctype html>')) this.lastPage = response.text;
    return response;
  }

  async get(path: string): Promise<request.Response> {
    return this.remember(await this.prepare(request(this.url).get(path)));
  }

  async post(path: string, form: Record<string, string>): Promise<request.Response> {
    return this.remember(await this.prepare(request(this.url).post(path)).type('form').send(form));
  }

  /** The CSRF token of the page last shown. */
  get token(): string {
    const found = /name="_csrf" value="([^"]+)"/.exec(this.lastPage);
    if (!found) throw new Error('no CSRF token on the last page');
    return found[1]!;
  }

  async login(username: string, password: string): Promise<request.Response> {
    await this.get('/login');
    return this.post('/login', { _csrf: this.token, username, password });
  }

  /** Signs in and expects to land on /sessions. */
  async signIn(username: string): Promise<void> {
    const response = await this.login(username, `${username}-password`);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/sessions');
  }

  async sessionsPage(): Promise<Card[]> {
    const response = await this.get('/sessions');
    expect(response.status).toBe(200);
    return cardsOf(response.text);
  }

  get sessionId(): string {
    return digest(this.key!);
  }
}
