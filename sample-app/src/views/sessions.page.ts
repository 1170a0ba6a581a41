import type { SessionView } from 'nest-qsessions';
import { deviceDetails, deviceTypeLabel, exactDateTime, plural, relativeTime, shortDateTime } from './format.js';
import { html, type SafeHtml } from './html.js';
import { deviceIcon, icons } from './icons.js';
import { appPage, csrfField, type PageContext } from './layout.js';

/** `<time>` showing `text`, with the exact moment in its tooltip. */
export function timeTag(date: Date, text: string): SafeHtml {
  return html`<time datetime="${date.toISOString()}" title="${exactDateTime(date)}">${text}</time>`;
}

function fact(icon: SafeHtml, label: string, value: SafeHtml | string): SafeHtml {
  return html`<div class="fact">
    <dt>${icon}${label}</dt>
    <dd>${value}</dd>
  </div>`;
}

function sessionCard(view: SessionView, csrfToken: string, now: Date): SafeHtml {
  const device = view.device;
  return html`<li class="card session${view.current ? ' current' : ''}" data-session-id="${view.id}">
    <div class="session-head">
      <span class="device-icon" title="${deviceTypeLabel(device)}">${deviceIcon(device)}</span>
      <div class="session-title">
        <h2>${view.label ?? device.summary}</h2>
        <p>${view.label ? `${device.summary} · ${deviceDetails(device)}` : deviceDetails(device)}</p>
        ${view.current && html`<span class="badge badge-current">This device</span>`}
      </div>
    </div>
    <dl class="facts">
      ${fact(deviceIcon(device, 'fact-icon'), 'Device', deviceTypeLabel(device))}
      ${fact(icons.pin, 'Location', view.location ?? html`<span class="unknown">Unknown location</span>`)}
      ${fact(icons.network, 'IP address', view.ip ? html`<code>${view.ip}</code>` : html`<span class="unknown">Unknown</span>`)}
      ${fact(icons.signIn, 'Signed in', timeTag(view.createdAt, shortDateTime(view.createdAt)))}
      ${fact(icons.clock, 'Last active', view.current ? timeTag(now, 'Active now') : timeTag(view.lastActive, relativeTime(view.lastActive, now)))}
    </dl>
    <form class="rename" method="post" action="/sessions/${view.id}/rename">
      ${csrfField(csrfToken)}
      <label class="visually-hidden" for="label-${view.id}">Device name</label>
      <input
        type="text"
        id="label-${view.id}"
        name="label"
        value="${view.label ?? ''}"
        maxlength="64"
        placeholder="Name this device"
        autocomplete="off"
      />
      <button class="btn btn-secondary btn-sm" type="submit">Rename</button>
    </form>
    <div class="session-foot">
      <span class="hint"
        >${view.current ? 'You are using this session' : `Expires ${relativeTime(view.expiresAt, now)} if unused`}</span
      >
      <form class="inline" method="post" action="${view.current ? '/logout' : `/sessions/${view.id}/revoke`}">
        ${csrfField(csrfToken)}
        <button class="btn btn-danger btn-sm" type="submit">Sign out</button>
      </form>
    </div>
  </li>`;
}

/** "Your sessions": one card per active session, this device first. */
export function sessionsPage(context: PageContext, views: readonly SessionView[], now: Date): SafeHtml {
  const ordered = [...views].sort((a, b) => Number(b.current) - Number(a.current));
  const others = views.filter((view) => !view.current).length;
  return appPage(
    'Your sessions',
    context,
    html`<div class="page-head">
        <div>
          <h1>Your sessions</h1>
          <p>
            These are the browsers and devices signed in to your account. If you don't recognise one, sign it out and
            change your password.
          </p>
        </div>
      </div>
      <div class="toolbar">
        <span class="count">${plural(views.length, 'active session')}</span>
        ${
          others > 0 &&
          html`<form class="inline" method="post" action="/sessions/revoke-others">
            ${csrfField(context.csrfToken)}
            <button class="btn btn-danger" type="submit">Sign out all other sessions</button>
          </form>`
        }
      </div>
      ${
        ordered.length > 0
          ? html`<ul class="sessions">
              ${ordered.map((view) => sessionCard(view, context.csrfToken, now))}
            </ul>`
          : html`<div class="card empty">No active sessions.</div>`
      }`,
  );
}
