import type { DeviceInfo } from 'nest-qsessions';
import type { User } from '../users/user.entity.js';
import { deviceDetails, plural, relativeTime, shortDateTime } from './format.js';
import { html, type SafeHtml } from './html.js';
import { deviceIcon } from './icons.js';
import { appPage, csrfField, type PageContext } from './layout.js';
import { timeTag } from './sessions.page.js';

export type StatusFilter = 'active' | 'expired' | 'all';

/** The filters of the admin list, as read from the query string. */
export interface AdminFilters {
  q: string;
  status: StatusFilter;
  page: number;
}

/** One row of the admin table. */
export interface AdminSessionRow {
  id: string;
  user: User | null;
  ip: string | null;
  location: string | null;
  device: DeviceInfo;
  createdAt: Date;
  lastActive: Date;
  expiresAt: Date;
  active: boolean;
  /** The admin's own session. */
  current: boolean;
}

export interface AdminListing {
  rows: AdminSessionRow[];
  total: number;
  pages: number;
  pageSize: number;
  filters: AdminFilters;
}

/** The list URL for these filters (page 1 and the defaults are left out). */
export function adminListUrl(filters: AdminFilters): string {
  const query = new URLSearchParams();
  if (filters.q) query.set('q', filters.q);
  if (filters.status !== 'active') query.set('status', filters.status);
  if (filters.page > 1) query.set('page', String(filters.page));
  const text = query.toString();
  return text ? `/admin/sessions?${text}` : '/admin/sessions';
}

/**
 * The table's columns, named once: the header cells, and each data cell's `data-label`, which the
 * stylesheet shows beside the value when a narrow screen stacks a row into a card.
 */
const COLUMNS = {
  user: 'User',
  ip: 'IP address',
  location: 'Location',
  device: 'Device',
  created: 'Created',
  lastActive: 'Last active',
  expires: 'Expires',
  status: 'Status',
} as const;

/** Who a session belongs to, in the Revoke button's accessible name (every row has one). */
function ownerOf(session: AdminSessionRow): string {
  return session.user ? `@${session.user.username}` : 'an anonymous visitor';
}

// The rows carry explicit ARIA table roles: on a narrow screen the stylesheet displays them as
// blocks and grids, and some browsers (Safari) then drop a table's implicit semantics.
function row(session: AdminSessionRow, filters: AdminFilters, csrfToken: string, now: Date): SafeHtml {
  const user = session.user;
  return html`<tr data-session-id="${session.id}" role="row">
    <td class="user" role="cell">
      ${
        user
          ? html`<div class="user-cell">
              <span>${user.displayName}</span>
              <small>@${user.username}${session.current && html`<span class="pill pill-you">you</span>`}</small>
            </div>`
          : html`<span class="unknown">Anonymous</span>`
      }
    </td>
    <td class="ip" role="cell" data-label="${COLUMNS.ip}">
      ${session.ip ? html`<code>${session.ip}</code>` : html`<span class="unknown">—</span>`}
    </td>
    <td class="location" role="cell" data-label="${COLUMNS.location}">
      ${session.location ?? html`<span class="unknown">Unknown location</span>`}
    </td>
    <td role="cell" data-label="${COLUMNS.device}">
      <div class="device-cell" title="${deviceDetails(session.device)}">
        ${deviceIcon(session.device)}<span>${session.device.summary}</span>
      </div>
    </td>
    <td class="nowrap" role="cell" data-label="${COLUMNS.created}">
      ${timeTag(session.createdAt, shortDateTime(session.createdAt))}
    </td>
    <td class="nowrap" role="cell" data-label="${COLUMNS.lastActive}">
      ${timeTag(session.lastActive, relativeTime(session.lastActive, now))}
    </td>
    <td class="nowrap" role="cell" data-label="${COLUMNS.expires}">
      ${timeTag(session.expiresAt, relativeTime(session.expiresAt, now))}
    </td>
    <td class="status" role="cell">
      ${session.active ? html`<span class="pill pill-active">Active</span>` : html`<span class="pill pill-expired">Expired</span>`}
    </td>
    <td class="nowrap actions" role="cell">
      ${
        session.active &&
        html`<form class="inline" method="post" action="/admin/sessions/${session.id}/revoke">
          ${csrfField(csrfToken)}
          <input type="hidden" name="q" value="${filters.q}" />
          <input type="hidden" name="status" value="${filters.status}" />
          <input type="hidden" name="page" value="${filters.page}" />
          <button class="btn btn-danger btn-sm" type="submit">
            Revoke<span class="visually-hidden"> the session of ${ownerOf(session)} on ${session.device.summary}</span>
          </button>
        </form>`
      }
    </td>
  </tr>`;
}

function pageLink(label: string, filters: AdminFilters, page: number, enabled: boolean, rel: string): SafeHtml {
  return enabled
    ? html`<a class="btn btn-secondary btn-sm" rel="${rel}" href="${adminListUrl({ ...filters, page })}">${label}</a>`
    : html`<span class="btn btn-secondary btn-sm" aria-disabled="true">${label}</span>`;
}

const STATUS_LABELS: Array<[StatusFilter, string]> = [
  ['active', 'Active'],
  ['expired', 'Expired'],
  ['all', 'All'],
];

/** Admin: every session of every user, as Django's admin shows django-qsessions' table. */
export function adminSessionsPage(context: PageContext, listing: AdminListing, now: Date): SafeHtml {
  const { filters, rows, total, pages, pageSize } = listing;
  const first = (filters.page - 1) * pageSize + 1;
  const last = Math.min(total, filters.page * pageSize);
  return appPage(
    'All sessions',
    { ...context, section: 'admin', wide: true },
    html`<div class="page-head">
        <div>
          <h1>All sessions</h1>
          <p>
            Every session stored in <code>qsessions_session</code>, most recently active first. Revoking one signs that
            browser out on its next request.
          </p>
        </div>
      </div>
      <form class="card filters" method="get" action="/admin/sessions" role="search">
        <div class="field field-grow">
          <label for="q">Search</label>
          <input type="search" id="q" name="q" value="${filters.q}" placeholder="Username or IP address" />
        </div>
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status">
            ${STATUS_LABELS.map(
              ([value, label]) =>
                html`<option value="${value}" ${filters.status === value && html` selected`}>${label}</option>`,
            )}
          </select>
        </div>
        <button class="btn btn-primary" type="submit">Filter</button>
        ${(filters.q || filters.status !== 'active') && html`<a class="btn btn-ghost" href="/admin/sessions">Reset</a>`}
      </form>
      <div class="card table-card">
        <div class="table-scroll">
          <table class="admin-table" role="table">
            <thead role="rowgroup">
              <tr role="row">
                ${Object.values(COLUMNS).map((label) => html`<th role="columnheader">${label}</th>`)}
                <th role="columnheader"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              ${
                rows.length > 0
                  ? rows.map((session) => row(session, filters, context.csrfToken, now))
                  : html`<tr role="row">
                      <td colspan="9" class="empty" role="cell">No sessions match these filters.</td>
                    </tr>`
              }
            </tbody>
          </table>
        </div>
        ${
          // One page needs no pager: its "Previous" and "Next" could only ever be disabled.
          pages > 1 &&
          html`<div class="pagination">
            <span class="summary">${first}–${last} of ${plural(total, 'session')}</span>
            <nav aria-label="Pages">
              ${pageLink('‹ Previous', filters, filters.page - 1, filters.page > 1, 'prev')}
              <span class="page-number">Page ${filters.page} of ${pages}</span>
              ${pageLink('Next ›', filters, filters.page + 1, filters.page < pages, 'next')}
            </nav>
          </div>`
        }
      </div>`,
  );
}
