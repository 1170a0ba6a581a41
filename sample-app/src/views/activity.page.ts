import { parseDevice, type SessionHistoryEntry, type SessionHistoryPage } from 'nest-qsessions';
import { deviceDetails, deviceTypeLabel, relativeTime, shortDateTime } from './format.js';
import { html, type SafeHtml } from './html.js';
import { deviceIcon } from './icons.js';
import { appPage, type PageContext } from './layout.js';
import { timeTag } from './sessions.page.js';

// What each revocation reason means to the person who reads their history. The sample's own
// sessions page and "sign out all other sessions" give `revoke` and `revoke-others`, its admin
// `admin`, a password change `password-changed`, an e-mail link `revoke-link`.
const REVOKED = new Map<string, string>([
  ['revoke', 'Signed out from another device'],
  ['revoke-others', 'Signed out from another device'],
  ['user-request', 'Signed out from another device'],
  ['revoke-all', 'Signed out everywhere'],
  ['password-changed', 'Signed out: password changed'],
  ['admin', 'Signed out by an administrator'],
  ['revoke-link', 'Signed out from an e-mail link'],
]);

/** "Signed in", "Signed out by an administrator"...: one history entry in plain words. */
export function activityLabel(entry: Pick<SessionHistoryEntry, 'event' | 'reason'>): string {
  switch (entry.event) {
    case 'signed-in':
      return 'Signed in';
    case 'evicted':
      return 'Signed out: too many devices';
    case 'expired':
      return 'Session expired';
    case 'revoked':
      return (entry.reason !== null && REVOKED.get(entry.reason)) || 'Signed out';
    default:
      return 'Signed out';
  }
}

function fact(label: string, value: SafeHtml | string): SafeHtml {
  return html`<div>
    <dt>${label}</dt>
    <dd>${value}</dd>
  </div>`;
}

function entryRow(entry: SessionHistoryEntry, currentId: string | undefined, now: Date): SafeHtml {
  const device = parseDevice(entry.userAgent);
  const signIn = entry.event === 'signed-in';
  return html`<li
    class="activity-item${signIn ? '' : ' ended'}"
    data-event="${entry.event}"
    data-session-id="${entry.sessionId}"
  >
    <span class="device-icon" title="${deviceTypeLabel(device)}">${deviceIcon(device)}</span>
    <div class="activity-what">
      <h2>
        ${activityLabel(entry)} ${entry.newDevice && html`<span class="badge badge-new">New device</span>`}
        ${entry.newLocation && html`<span class="badge badge-new">New location</span>`}
        ${entry.sessionId === currentId && html`<span class="badge badge-device">This device</span>`}
      </h2>
      <p>${entry.device} · ${deviceDetails(device)}</p>
    </div>
    <dl class="activity-facts">
      ${fact('Location', entry.location ?? html`<span class="unknown">Unknown location</span>`)}
      ${fact('IP address', entry.ip ? html`<code>${entry.ip}</code>` : html`<span class="unknown">Unknown</span>`)}
      ${fact('When', timeTag(entry.at, `${shortDateTime(entry.at)} (${relativeTime(entry.at, now)})`))}
    </dl>
  </li>`;
}

export interface ActivityPageOptions {
  /** Whether this is the newest page (no `before` cursor in the address). */
  newest: boolean;
  /** The requesting session's id, to mark its entries "This device". */
  currentId: string | undefined;
}

/** "Security activity": one page of the user's sign-in history, newest first, with a link to older entries. */
export function activityPage(
  context: PageContext,
  page: SessionHistoryPage,
  options: ActivityPageOptions,
  now: Date,
): SafeHtml {
  return appPage(
    'Security activity',
    context,
    html`<div class="page-head">
        <div>
          <h1>Security activity</h1>
          <p>
            Sign-ins to your account and how each session ended, newest first. If you don't recognise a sign-in, sign
            that device out on <a href="/sessions">Your sessions</a> and change your password.
          </p>
        </div>
      </div>
      ${
        page.entries.length > 0
          ? html`<div class="card">
              <ol class="activity">
                ${page.entries.map((entry) => entryRow(entry, options.currentId, now))}
              </ol>
            </div>`
          : html`<div class="card empty">${options.newest ? 'No activity yet.' : 'No older activity.'}</div>`
      }
      <nav class="pager" aria-label="Pages">
        ${!options.newest && html`<a class="btn btn-secondary" href="/account/activity">Newest</a>`}
        ${
          page.next &&
          html`<a class="btn btn-secondary" rel="next" href="/account/activity?before=${encodeURIComponent(page.next)}"
            >Older</a
          >`
        }
      </nav>`,
  );
}
