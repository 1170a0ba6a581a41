import type { SessionView } from 'nest-qsessions';
import { plural, relativeTime } from './format.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, plainPage } from './layout.js';
import { timeTag } from './sessions.page.js';

export interface SessionLimitPageOptions {
  /** The visitor's CSRF token (not signed in yet). */
  csrfToken: string;
  /** The most sessions the account may have (`maxSessionsPerUser`). */
  limit: number;
  /** The account's sessions, as the refused sign-in found them. */
  sessions: readonly SessionView[];
  error?: string;
}

/**
 * Shown instead of signing in when the account is at its session limit (`onSessionLimit:
 * 'refuse'`): pick one of the sessions to sign out, and this browser is signed in in its place.
 */
export function sessionLimitPage(options: SessionLimitPageOptions, now: Date): SafeHtml {
  const count = options.sessions.length;
  return plainPage(
    'Too many devices',
    html`<div class="card auth-card">
      <h1>You are signed in on ${plural(count, 'device')}</h1>
      <p>
        This account can be signed in on at most ${plural(options.limit, 'device')} at once. Sign out one of them to
        sign in here.
      </p>
      ${options.error && html`<div class="flashes"><div class="flash flash-error">${options.error}</div></div>`}
      <ul class="limit-list">
        ${options.sessions.map(
          (view) =>
            html`<li class="card limit-item" data-session-id="${view.id}">
              <div>
                <strong>${view.label ?? view.device.summary}</strong>
                <small>${view.label ? `${view.device.summary} · ` : ''}${view.location ?? 'Unknown location'}</small>
                <small>Last active ${timeTag(view.lastActive, relativeTime(view.lastActive, now))}</small>
              </div>
              <form class="inline" method="post" action="/login/replace">
                ${csrfField(options.csrfToken)}
                <input type="hidden" name="replacing" value="${view.id}" />
                <button class="btn btn-danger btn-sm" type="submit">Sign out this one and sign in here</button>
              </form>
            </li>`,
        )}
      </ul>
      <a class="btn btn-ghost btn-block" href="/login">Cancel</a>
    </div>`,
  );
}
