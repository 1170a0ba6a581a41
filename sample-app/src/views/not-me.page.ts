import { html, type SafeHtml } from './html.js';
import { csrfField, plainPage } from './layout.js';

/**
 * What the "This wasn't me" link of a new-sign-in e-mail opens: what will happen, and the two
 * buttons. Opening it changes nothing (mail scanners open links); only the form does.
 */
export function notMePage(options: { csrfToken: string; token: string }): SafeHtml {
  return plainPage(
    "Wasn't you?",
    html`<div class="card auth-card">
      <h1>Wasn't you?</h1>
      <p>
        We sent you this link because your account signed in on a new device or from a new place. If that wasn't you,
        sign that device out now, then change your password. Nothing changes until you choose.
      </p>
      <form class="choice" method="post" action="/not-me">
        ${csrfField(options.csrfToken)}
        <input type="hidden" name="token" value="${options.token}" />
        <button class="btn btn-danger btn-block" type="submit" name="scope" value="one">Sign out that device</button>
        <button class="btn btn-secondary btn-block" type="submit" name="scope" value="all">
          Sign out all my devices
        </button>
      </form>
      <p class="muted form-note">The link works once. If it was you, close this page.</p>
    </div>`,
  );
}

/** What the link's form did: `one` or `all` devices signed out, or nothing (`unused` = the link no longer works). */
export type NotMeOutcome = 'one' | 'all' | 'unused';

const OUTCOMES: Record<NotMeOutcome, { title: string; message: string }> = {
  one: { title: 'Device signed out', message: 'That device is signed out. Change your password.' },
  all: { title: 'Devices signed out', message: 'All your devices are signed out. Sign in and change your password.' },
  unused: { title: 'Link not valid', message: 'This link has expired or was already used.' },
};

/** The result of the "This wasn't me" form. */
export function notMeResultPage(outcome: NotMeOutcome): SafeHtml {
  const { title, message } = OUTCOMES[outcome];
  return plainPage(
    title,
    html`<div class="card auth-card">
      <h1>${title}</h1>
      <div class="flashes" role="status">
        <div class="flash flash-${outcome === 'unused' ? 'error' : 'success'}">${message}</div>
      </div>
      ${
        outcome === 'unused'
          ? html`<p>
              If you still see a device you don't know, sign it out on Your sessions and change your password.
            </p>`
          : html`<p>Whoever used that device has to sign in again, and your new password will keep them out.</p>`
      }
      <div class="choice">
        <a class="btn btn-primary btn-block" href="/account/password">Change your password</a>
        <a class="btn btn-ghost btn-block" href="/sessions">Your sessions</a>
      </div>
    </div>`,
  );
}
