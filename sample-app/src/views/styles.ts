/**
 * The widest viewport (CSS px) on which the admin table shows its rows as cards: the table itself
 * needs about 1,040 px once its IP addresses and device names wrap.
 */
export const ADMIN_CARDS_MAX_WIDTH = 1100;

/** The whole stylesheet, inlined in every page's <head> (the pages need no other asset). */
export const STYLESHEET = `
:root {
  --bg: #f4f5f7;
  --surface: #ffffff;
  --border: #e2e5ea;
  --border-strong: #cfd4dc;
  --text: #1b2230;
  --muted: #5d6877;
  --subtle: #8a94a3;
  --accent: #4338ca;
  --accent-hover: #3730a3;
  --accent-soft: #eef0fe;
  --danger: #b42318;
  --danger-hover: #912018;
  --danger-soft: #fef1f0;
  --success: #067647;
  --success-soft: #ecfdf3;
  --info: #175cd3;
  --info-soft: #eff6ff;
  --radius: 12px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.05);
  --shadow-raised: 0 4px 12px rgba(16, 24, 40, 0.06), 0 1px 3px rgba(16, 24, 40, 0.06);
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  -webkit-font-smoothing: antialiased;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.92em; }
h1, h2, h3 { margin: 0; line-height: 1.25; }
h1 { font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 16px; font-weight: 600; }
p { margin: 0; }
.muted { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

/* Header */
.topbar { background: var(--surface); border-bottom: 1px solid var(--border); }
.topbar-inner { max-width: 1120px; margin: 0 auto; padding: 0 24px; height: 60px; display: flex; align-items: center; gap: 28px; }
.brand { display: flex; align-items: center; gap: 9px; color: var(--text); font-weight: 650; font-size: 16px; white-space: nowrap; }
.brand:hover { text-decoration: none; }
.brand-icon { color: var(--accent); width: 26px; height: 26px; }
.nav { display: flex; gap: 4px; flex: 1; }
.nav a { color: var(--muted); padding: 7px 12px; border-radius: 8px; font-weight: 500; font-size: 14px; }
.nav a:hover { background: var(--bg); color: var(--text); text-decoration: none; }
.nav a[aria-current="page"] { color: var(--accent); background: var(--accent-soft); }
.account { display: flex; align-items: center; gap: 12px; }
.avatar { width: 32px; height: 32px; border-radius: 50%; background: var(--accent); color: #fff; display: grid; place-items: center; font-size: 13px; font-weight: 600; flex: none; }
.account-name { display: flex; flex-direction: column; line-height: 1.2; font-size: 14px; font-weight: 550; }
.account-name small { color: var(--subtle); font-weight: 400; font-size: 12px; }

/* Layout */
.wide .topbar-inner, .wide main, .wide .footer { max-width: 1320px; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 24px 64px; }
.page-head { display: flex; justify-content: space-between; align-items: flex-end; gap: 16px; flex-wrap: wrap; margin-bottom: 24px; }
.page-head p { margin-top: 6px; color: var(--muted); max-width: 640px; }
.footer { max-width: 1120px; margin: 0 auto; padding: 0 24px 32px; color: var(--subtle); font-size: 13px; }

/* Buttons */
.btn {
  display: inline-flex; align-items: center; justify-content: center; gap: 6px;
  border: 1px solid transparent; border-radius: 8px; padding: 8px 14px;
  font: inherit; font-size: 14px; font-weight: 550; line-height: 20px; cursor: pointer; white-space: nowrap;
  transition: background-color 0.12s, border-color 0.12s, color 0.12s;
}
.btn:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid rgba(67, 56, 202, 0.35); outline-offset: 1px; }
.btn-primary { background: var(--accent); color: #fff; }
.btn-primary:hover { background: var(--accent-hover); }
.btn-secondary { background: var(--surface); color: var(--text); border-color: var(--border-strong); box-shadow: var(--shadow); }
.btn-secondary:hover { background: var(--bg); }
.btn-danger { background: var(--surface); color: var(--danger); border-color: #f3c4c0; box-shadow: var(--shadow); }
.btn-danger:hover { background: var(--danger-soft); border-color: var(--danger); }
.btn-ghost { background: transparent; color: var(--muted); }
.btn-ghost:hover { background: var(--bg); color: var(--text); }
.btn-sm { padding: 5px 10px; font-size: 13px; line-height: 18px; }
.btn-block { width: 100%; }
form.inline { display: inline; margin: 0; }

/* Flash messages */
.flashes { display: grid; gap: 10px; margin-bottom: 24px; }
.flash { display: flex; gap: 10px; align-items: flex-start; padding: 12px 16px; border-radius: 10px; border: 1px solid; font-size: 14px; }
.flash::before { content: ""; width: 8px; height: 8px; border-radius: 50%; margin-top: 7px; flex: none; background: currentColor; }
.flash-success { background: var(--success-soft); border-color: #abefc6; color: var(--success); }
.flash-error { background: var(--danger-soft); border-color: #fecdca; color: var(--danger); }
.flash-info { background: var(--info-soft); border-color: #b2ddff; color: var(--info); }

/* Security activity (a list of rows on a desktop, stacked on a phone), the e-mail link pages, the outbox */
.activity { list-style: none; margin: 0; padding: 0; }
.activity-item { display: grid; grid-template-columns: 46px minmax(0, 1.6fr) minmax(0, 2.4fr); gap: 16px; align-items: center; padding: 16px 20px; border-bottom: 1px solid var(--border); }
.activity-item:last-child { border-bottom: 0; }
.activity-what h2 { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; }
.activity-what p { color: var(--muted); font-size: 13px; margin-top: 2px; overflow-wrap: anywhere; }
.activity-item.ended .device-icon { background: #f2f4f7; color: var(--muted); }
.activity-facts { margin: 0; display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 0.9fr) minmax(0, 1.3fr); gap: 12px; }
.activity-facts dt { color: var(--subtle); font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; }
.activity-facts dd { margin: 0; font-size: 14px; overflow-wrap: anywhere; }
.badge-new { background: #fffaeb; color: #b54708; border: 1px solid #fedf89; }
.badge-device { background: var(--accent-soft); color: var(--accent); border: 1px solid #c7cbfa; }
.pager { display: flex; justify-content: flex-end; gap: 8px; margin-top: 16px; }
.auth.auth-wide { max-width: 720px; }
.auth-card > p:last-child { margin-bottom: 0; }
.choice { display: grid; gap: 10px; }
.auth-card > .form-note { margin: 16px 0 0; font-size: 13px; }
.mail { padding: 20px; margin-top: 16px; }
.mail-head { display: grid; grid-template-columns: 80px 1fr; gap: 4px 12px; font-size: 14px; margin: 0 0 12px; }
.mail-head dt { color: var(--muted); }
.mail-head dd { margin: 0; overflow-wrap: anywhere; }
.mail-body { margin: 0; padding: 14px; background: var(--bg); border-radius: 8px; font-size: 13px; white-space: pre-wrap; overflow-wrap: anywhere; }
@media (max-width: 720px) {
  /* Smaller navigation links, so that all three fit the row of their own on a 390 px phone. */
  .nav a { font-size: 13px; }
  .activity-item { grid-template-columns: 46px minmax(0, 1fr); padding: 16px; }
  .activity-facts { grid-column: 1 / -1; grid-template-columns: 1fr; gap: 6px; }
  .activity-facts > div { display: grid; grid-template-columns: 114px 1fr; gap: 8px; align-items: baseline; }
}

/* Session cards */
.toolbar { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
.toolbar .count { color: var(--muted); font-size: 14px; }
.sessions { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.session { display: flex; flex-direction: column; }
.session.current { border-color: #c7cbfa; box-shadow: 0 0 0 3px var(--accent-soft), var(--shadow-raised); }
.session-head { display: flex; gap: 14px; align-items: flex-start; padding: 20px 20px 16px; }
.device-icon { width: 46px; height: 46px; border-radius: 12px; background: var(--accent-soft); color: var(--accent); display: grid; place-items: center; flex: none; }
.device-icon-svg { width: 26px; height: 26px; }
.session-title { flex: 1; min-width: 0; }
.session-title h2 { overflow-wrap: anywhere; }
.session-title p { color: var(--muted); font-size: 13px; margin-top: 2px; }
.session-title .badge { margin-top: 8px; }
.badge { display: inline-flex; align-items: center; gap: 5px; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge-current { background: var(--success-soft); color: var(--success); border: 1px solid #abefc6; }
.badge-current::before { content: ""; width: 6px; height: 6px; border-radius: 50%; background: currentColor; }
.facts { margin: 0; padding: 0 20px 18px; display: grid; gap: 10px; align-content: start; flex: 1; }
.fact { display: grid; grid-template-columns: 122px 1fr; gap: 8px; align-items: center; font-size: 14px; }
.fact dt { color: var(--muted); display: flex; align-items: center; gap: 9px; }
.fact dd { margin: 0; overflow-wrap: anywhere; }
.fact-icon { width: 16px; height: 16px; color: var(--subtle); flex: none; }
.unknown { color: var(--subtle); font-style: italic; }
time[title] { text-decoration: underline dotted var(--border-strong); text-underline-offset: 3px; cursor: help; }
.session-foot { border-top: 1px solid var(--border); padding: 12px 20px; display: flex; justify-content: space-between; align-items: center; gap: 12px; }
.rename { border-top: 1px solid var(--border); padding: 12px 20px; display: flex; gap: 8px; align-items: center; }
.rename input[type="text"] { height: 32px; }
.session-foot .hint { color: var(--subtle); font-size: 13px; }
.empty { padding: 40px; text-align: center; color: var(--muted); }

/* Admin table */
.filters { display: flex; gap: 10px; flex-wrap: wrap; align-items: flex-end; padding: 16px; margin-bottom: 16px; }
.field { display: grid; gap: 6px; }
.field label { font-size: 13px; font-weight: 550; color: var(--muted); }
.field-grow { flex: 1; min-width: 220px; }
.filters .btn { height: 38px; }
input[type="text"], input[type="password"], input[type="search"], select {
  font: inherit; font-size: 14px; color: var(--text); background: var(--surface);
  border: 1px solid var(--border-strong); border-radius: 8px; padding: 0 11px; height: 38px; width: 100%; box-shadow: var(--shadow);
}
select { padding-right: 28px; }
.table-card { overflow: hidden; }
/* position: relative keeps the table's visually hidden texts (absolutely positioned) inside this
   scroll box: without it they widen the whole page, as far as the last column reaches. */
.table-scroll { overflow-x: auto; position: relative; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; background: #f9fafb; padding: 10px 12px; border-bottom: 1px solid var(--border); white-space: nowrap; }
td { padding: 11px 12px; border-bottom: 1px solid var(--border); vertical-align: middle; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover { background: #fafbfc; }
td.nowrap { white-space: nowrap; }
.user-cell { display: flex; flex-direction: column; line-height: 1.3; }
.user-cell small { color: var(--subtle); font-size: 12px; display: flex; align-items: center; gap: 6px; }
td.location { min-width: 120px; max-width: 190px; }
/* An IPv6 address may break anywhere rather than push the Revoke button out of sight. */
td.ip { min-width: 132px; max-width: 200px; }
td.ip code { overflow-wrap: anywhere; }
td.actions { text-align: right; }
.device-cell { display: flex; align-items: center; gap: 8px; }
.device-cell .device-icon-svg { width: 18px; height: 18px; color: var(--muted); flex: none; }
.pill { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.pill-active { background: var(--success-soft); color: var(--success); }
.pill-expired { background: #f2f4f7; color: var(--muted); }
.pill-you { background: var(--accent-soft); color: var(--accent); font-size: 11px; padding: 0 6px; }
.pagination { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 12px; padding: 12px 16px; border-top: 1px solid var(--border); font-size: 14px; color: var(--muted); }
.pagination nav { display: flex; gap: 8px; align-items: center; }
.pagination .page-number { white-space: nowrap; }
.btn[aria-disabled="true"] { opacity: 0.45; pointer-events: none; }

/* Sign-in and error pages */
.center { min-height: 100vh; display: grid; place-items: center; padding: 24px; }
.auth { width: 100%; max-width: 400px; }
.auth .brand { justify-content: center; margin-bottom: 20px; font-size: 18px; }
.auth-card { padding: 28px; }
.auth-card h1 { font-size: 22px; margin-bottom: 4px; }
.auth-card > p { color: var(--muted); margin-bottom: 20px; }
.stack { display: grid; gap: 16px; }
.demo { margin-top: 16px; padding: 16px 20px; font-size: 13px; color: var(--muted); }
.demo table { font-size: 13px; margin-top: 6px; }
.demo td { padding: 4px 0; border: 0; }
.demo td + td { padding-left: 16px; }
.demo td { white-space: nowrap; }
.demo .pill { font-size: 11px; }
.demo tbody tr:hover { background: none; }
.form-card { width: 100%; max-width: 440px; }
.limit-list { list-style: none; padding: 0; display: grid; gap: 10px; margin: 16px 0; }
.limit-item { display: grid; gap: 10px; padding: 12px 16px; }
.limit-item small { display: block; color: var(--muted); font-size: 13px; }
.center-inline { display: flex; justify-content: center; padding-top: 24px; }
.error-card { max-width: 480px; padding: 36px; text-align: center; }
.error-code { font-size: 13px; font-weight: 700; color: var(--accent); letter-spacing: 0.08em; }
.error-card h1 { margin: 8px 0 10px; }
.error-card p { color: var(--muted); margin-bottom: 24px; }

/* Admin table on a narrow screen: each row a card of labelled fields (the labels are the cells'
   data-label), so that nothing, least of all Revoke, hides in a sideways scroll. The header row
   stays for screen readers, which keep announcing the column of each value (hence the labels'
   empty alternative text after the slash, where a browser supports it). */
@media (max-width: ${ADMIN_CARDS_MAX_WIDTH}px) {
  .table-scroll { overflow-x: visible; }
  .admin-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .admin-table, .admin-table tbody { display: block; }
  .admin-table tr { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 8px 12px; padding: 14px 16px; border-bottom: 1px solid var(--border); }
  .admin-table tbody tr:last-child { border-bottom: 0; }
  .admin-table td { display: block; padding: 0; border: 0; white-space: normal; min-width: 0; max-width: none; }
  .admin-table td[data-label] { grid-column: 1 / -1; display: grid; grid-template-columns: 104px minmax(0, 1fr); gap: 12px; align-items: baseline; overflow-wrap: anywhere; }
  .admin-table td[data-label]::before { content: attr(data-label); content: attr(data-label) / ""; color: var(--muted); font-size: 13px; }
  .admin-table td.user { grid-column: 1; grid-row: 1; }
  .admin-table td.status { grid-column: 2; grid-row: 1; }
  .admin-table td.actions { grid-column: 1 / -1; text-align: left; }
  .admin-table td.actions:not(:has(button)) { display: none; }
  .admin-table td.empty { grid-column: 1 / -1; padding: 24px 0; }
  .admin-table .actions .btn { min-height: 36px; }
}
@media (min-width: 640px) and (max-width: ${ADMIN_CARDS_MAX_WIDTH}px) {
  /* Room for two fields side by side in each card. */
  .admin-table tr { grid-template-columns: repeat(2, minmax(0, 1fr)); column-gap: 24px; }
  .admin-table td[data-label] { grid-column: auto; }
  .admin-table td.status { justify-self: end; }
}

@media (max-width: 720px) {
  /* The navigation gets a row of its own under the brand and the account, and scrolls within it
     rather than widening the page on the narrowest phones. */
  .topbar-inner { gap: 4px 12px; padding: 8px 16px; height: auto; flex-wrap: wrap; }
  .account { margin-left: auto; }
  .nav { order: 1; flex: 1 0 100%; overflow-x: auto; gap: 2px; }
  .nav a { white-space: nowrap; padding: 7px 8px; }
  .account-name, .brand-text { display: none; }
  main { padding: 24px 16px 48px; }
  h1 { font-size: 22px; }
  .sessions { grid-template-columns: 1fr; }
  .fact { grid-template-columns: 114px 1fr; }
}
`;
