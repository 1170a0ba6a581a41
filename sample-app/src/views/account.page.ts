import { html, type SafeHtml } from './html.js';
import { appPage, csrfField, flashes, type PageContext } from './layout.js';

/** The shortest new password the sample app accepts. */
export const MIN_PASSWORD_LENGTH = 8;

export interface ConfirmPasswordOptions {
  /** Where to go once the password checks out (already checked to be a local path). */
  next: string;
  error?: string;
}

/** "Confirm it's you": the current password again, before a sensitive page (step-up). */
export function confirmPasswordPage(context: PageContext, options: ConfirmPasswordOptions): SafeHtml {
  return appPage(
    'Confirm your password',
    context,
    html`<div class="center-inline">
      <div class="card auth-card form-card">
        <h1>Confirm it's you</h1>
        <p>This page changes your account. Enter your current password to continue.</p>
        ${options.error && flashes([{ kind: 'error', text: options.error }])}
        <form class="stack" method="post" action="/account/confirm">
          ${csrfField(context.csrfToken)}
          <input type="hidden" name="next" value="${options.next}" />
          <div class="field">
            <label for="current-password">Current password</label>
            <input
              type="password"
              id="current-password"
              name="password"
              autocomplete="current-password"
              required
              autofocus
            />
          </div>
          <button class="btn btn-primary btn-block" type="submit">Confirm</button>
        </form>
      </div>
    </div>`,
  );
}

/** The change-password form (reached only with a recent proof of identity). */
export function changePasswordPage(context: PageContext, options: { error?: string } = {}): SafeHtml {
  return appPage(
    'Change password',
    context,
    html`<div class="center-inline">
      <div class="card auth-card form-card">
        <h1>Change password</h1>
        <p>Every other device signed in to your account will be signed out. This one stays signed in.</p>
        ${options.error && flashes([{ kind: 'error', text: options.error }])}
        <form class="stack" method="post" action="/account/password">
          ${csrfField(context.csrfToken)}
          <div class="field">
            <label for="new-password">New password</label>
            <input
              type="password"
              id="new-password"
              name="password"
              minlength="${MIN_PASSWORD_LENGTH}"
              autocomplete="new-password"
              required
              autofocus
            />
          </div>
          <div class="field">
            <label for="repeat-password">Repeat the new password</label>
            <input
              type="password"
              id="repeat-password"
              name="repeat"
              minlength="${MIN_PASSWORD_LENGTH}"
              autocomplete="new-password"
              required
            />
          </div>
          <button class="btn btn-primary btn-block" type="submit">Change password</button>
        </form>
      </div>
    </div>`,
  );
}
