import { DEMO_USERS } from '../users/demo-users.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, flashes, plainPage, type Flash } from './layout.js';

export interface LoginPageOptions {
  csrfToken: string;
  /** Where to go after signing in (already checked to be a local path). */
  next: string | null;
  username?: string;
  error?: string;
  flash: readonly Flash[];
}

/** The sign-in form, with the demo accounts listed under it (this is a sample app). */
export function loginPage(options: LoginPageOptions): SafeHtml {
  return plainPage(
    'Sign in',
    html`<div class="card auth-card">
        <h1>Sign in</h1>
        <p>Use one of the demo accounts below.</p>
        ${flashes(options.flash)} ${options.error && flashes([{ kind: 'error', text: options.error }])}
        <form class="stack" method="post" action="/login">
          ${csrfField(options.csrfToken)}
          ${options.next && html`<input type="hidden" name="next" value="${options.next}" />`}
          <div class="field">
            <label for="username">Username</label>
            <input
              type="text"
              id="username"
              name="username"
              value="${options.username ?? ''}"
              autocomplete="username"
              autocapitalize="none"
              spellcheck="false"
              required
              autofocus
            />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required />
          </div>
          <button class="btn btn-primary btn-block" type="submit">Sign in</button>
        </form>
      </div>
      <div class="card demo">
        <strong>Demo accounts</strong>
        <table>
          <tbody>
            ${DEMO_USERS.map(
              (demo) =>
                html`<tr>
                  <td class="mono">${demo.username}</td>
                  <td class="mono">${demo.password}</td>
                  <td>${demo.isStaff && html`<span class="pill pill-you">staff</span>`}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
  );
}
