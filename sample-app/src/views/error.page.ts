import { html, type SafeHtml } from './html.js';
import { appPage, plainPage, type PageContext } from './layout.js';

export interface ErrorPageOptions {
  status: number;
  title: string;
  message: string;
}

function errorCard(options: ErrorPageOptions, signedIn: boolean): SafeHtml {
  return html`<div class="card error-card">
    <div class="error-code">ERROR ${options.status}</div>
    <h1>${options.title}</h1>
    <p>${options.message}</p>
    <a class="btn btn-primary" href="${signedIn ? '/sessions' : '/'}"
      >${signedIn ? 'Back to your sessions' : 'Go to the start page'}</a
    >
  </div>`;
}

/** An error page: inside the app's frame for a signed-in user, on its own otherwise. */
export function errorPage(options: ErrorPageOptions, context: PageContext | null): SafeHtml {
  if (context) {
    return appPage(options.title, context, html`<div class="center-inline">${errorCard(options, true)}</div>`);
  }
  return plainPage(options.title, errorCard(options, false));
}
