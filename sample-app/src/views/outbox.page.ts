import type { OutboxMail } from '../mail/outbox.js';
import { exactDateTime, relativeTime } from './format.js';
import { html, type SafeHtml } from './html.js';
import { plainPage } from './layout.js';
import { timeTag } from './sessions.page.js';

const LINK = /(https?:\/\/[^\s<>"']+)/;

/** The body of a plain-text e-mail, with its web addresses as links (the rest as escaped text). */
function bodyWithLinks(text: string): SafeHtml {
  return html`${text
    .split(LINK)
    .map((part, index) => (index % 2 === 1 ? html`<a href="${part}">${part}</a>` : html`${part}`))}`;
}

function mailCard(mail: OutboxMail, now: Date): SafeHtml {
  return html`<article class="card mail">
    <dl class="mail-head">
      <dt>From</dt>
      <dd>${mail.from}</dd>
      <dt>To</dt>
      <dd class="mail-to">${mail.to}</dd>
      <dt>Subject</dt>
      <dd><strong>${mail.subject}</strong></dd>
      <dt>Sent</dt>
      <dd>${timeTag(mail.sentAt, `${exactDateTime(mail.sentAt)} (${relativeTime(mail.sentAt, now)})`)}</dd>
    </dl>
    <pre class="mail-body">${bodyWithLinks(mail.text)}</pre>
  </article>`;
}

/**
 * The development outbox (no SAMPLE_SMTP_URL): the e-mails the app "sent", newest first. Only
 * in that mode, since anyone who can open it can read every user's links.
 */
export function outboxPage(mails: readonly OutboxMail[], now: Date): SafeHtml {
  return plainPage(
    'Outbox',
    html`<div class="card auth-card">
        <h1>Outbox</h1>
        <p>
          No mail server is set (<code>SAMPLE_SMTP_URL</code>), so the e-mails the app sends are kept here (the last 50,
          until it stops) and printed to its console. This page exists only in that development mode: anyone who can
          open it can read every user's e-mail.
        </p>
      </div>
      ${
        mails.length > 0
          ? mails.map((mail) => mailCard(mail, now))
          : html`<div class="card empty mail">No e-mail sent yet.</div>`
      }`,
    { wide: true },
  );
}
