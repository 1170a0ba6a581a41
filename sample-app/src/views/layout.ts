import { LIVE_SCRIPT_PATH } from '../live/live-client.js';
import type { User } from '../users/user.entity.js';
import { html, trusted, type SafeHtml } from './html.js';
import { icons } from './icons.js';
import { STYLESHEET } from './styles.js';

/** A one-time message shown on the next page (after a redirect). */
export interface Flash {
  kind: 'success' | 'error' | 'info';
  text: string;
}

/** What every page of a signed-in user needs besides its own content. */
export interface PageContext {
  user: User;
  /** The session's CSRF token, put in every form. */
  csrfToken: string;
  flash: readonly Flash[];
  /** The navigation entry to highlight. */
  section?: 'sessions' | 'activity' | 'password' | 'admin';
  /** A wider page (the admin table). */
  wide?: boolean;
}

export const APP_NAME = 'QSessions Demo';

/** The hidden field every POST form carries (checked by CsrfGuard). */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}

function document(title: string, body: SafeHtml, options: { bodyClass?: string; live?: boolean } = {}): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${APP_NAME}</title>
        <link rel="icon" href="data:," />
        <style>
          ${trusted(STYLESHEET)}
        </style>
        ${options.live && html`<script src="${LIVE_SCRIPT_PATH}" defer></script>`}
      </head>
      <body class="${options.bodyClass ?? ''}">
        ${body}
      </body>
    </html> `;
}

function brand(): SafeHtml {
  return html`<a class="brand" href="/">${icons.shield}<span class="brand-text">${APP_NAME}</span></a>`;
}

function initials(name: string): string {
  const letters = name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase());
  return (letters.length > 1 ? letters[0]! + letters[letters.length - 1]! : (letters[0] ?? '?')).slice(0, 2);
}

export function flashes(list: readonly Flash[]): SafeHtml {
  if (list.length === 0) return html``;
  return html`<div class="flashes" role="status">
    ${list.map((flash) => html`<div class="flash flash-${flash.kind}">${flash.text}</div>`)}
  </div>`;
}

/**
 * A page of the signed-in app: header with navigation and account, flash messages, content, and
 * the script that moves it to the sign-in form as soon as its session ends (live-client.ts).
 */
export function appPage(title: string, context: PageContext, content: SafeHtml): SafeHtml {
  const { user, section } = context;
  const current = (name: PageContext['section']) => (section === name ? html` aria-current="page"` : html``);
  return document(
    title,
    html`<header class="topbar">
        <div class="topbar-inner">
          ${brand()}
          <nav class="nav" aria-label="Main">
            <a href="/sessions" ${current('sessions')}>Your sessions</a>
            <a href="/account/activity" ${current('activity')}>Security activity</a>
            <a href="/account/password" ${current('password')}>Change password</a>
            ${user.isStaff && html`<a href="/admin/sessions" ${current('admin')}>Admin</a>`}
          </nav>
          <div class="account">
            <span class="avatar" aria-hidden="true">${initials(user.displayName)}</span>
            <span class="account-name">${user.displayName}<small>@${user.username}</small></span>
            <form class="inline" method="post" action="/logout">
              ${csrfField(context.csrfToken)}
              <button class="btn btn-ghost btn-sm" type="submit">Sign out</button>
            </form>
          </div>
        </div>
      </header>
      <main>${flashes(context.flash)} ${content}</main>
      <footer class="footer">
        nest-qsessions sample app · sessions stored server-side, each with its user, IP address and device
      </footer>`,
    { bodyClass: context.wide ? 'wide' : '', live: true },
  );
}

/**
 * A centered page without navigation: sign-in, errors for strangers, the pages of an e-mail link;
 * `wide` for more than a form (the outbox).
 */
export function plainPage(title: string, content: SafeHtml, options: { wide?: boolean } = {}): SafeHtml {
  return document(
    title,
    html`<div class="center"><div class="auth${options.wide ? ' auth-wide' : ''}">${brand()}${content}</div></div>`,
  );
}
