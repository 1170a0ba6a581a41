import { SESSION_ENDED_CLOSE_CODE } from 'nest-qsessions';

/** Where the signed-in pages open their WebSocket (LiveGateway's path). */
export const LIVE_PATH = '/live';

/** Where the app serves the pages' script (LiveScriptController). */
export const LIVE_SCRIPT_PATH = '/assets/live.js';

/** How long the page waits before each new attempt after a connection fails or drops (then it stops). */
export const LIVE_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

// A connection that stayed open this long was a working one: its drop starts the retries afresh.
const STABLE_CONNECTION_MS = 60_000;

/**
 * The script of every signed-in page (served as a file: the Content-Security-Policy allows scripts
 * of this origin only, and no inline script). It keeps a WebSocket to {@link LIVE_PATH} open; when
 * the server closes it because this browser's session ended (code 4001, the reason as close reason)
 * it moves to the sign-in page, which says why in one of its fixed sentences (`?ended=<reason>`).
 *
 * Any other close (the network, a server restart) leaves the page alone and tries again a few
 * times with growing delays. A page being left (a link, a form such as Sign out, a reload) closes
 * or ends its own connection: that is not news, so nothing happens then. A `rotated` session (a
 * sign-in in another tab of this browser) lives on under the new cookie: the page reconnects.
 * `data-live` on `<html>` tells the state, for tests and the curious: `connecting`, `watching`
 * (the server follows this session: its end will close the socket), `closed`.
 */
export const LIVE_CLIENT_SCRIPT = `'use strict';
(() => {
  const SESSION_ENDED = ${SESSION_ENDED_CLOSE_CODE};
  const RETRY_DELAYS_MS = ${JSON.stringify(LIVE_RETRY_DELAYS_MS)};
  const STABLE_CONNECTION_MS = ${STABLE_CONNECTION_MS};
  const root = document.documentElement;
  let failures = 0;
  let leaving = false;
  addEventListener('beforeunload', () => {
    leaving = true;
  });

  function retry() {
    if (failures >= RETRY_DELAYS_MS.length) return;
    setTimeout(connect, RETRY_DELAYS_MS[failures]);
    failures += 1;
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(scheme + '//' + location.host + ${JSON.stringify(LIVE_PATH)});
    let openedAt = 0;
    root.dataset.live = 'connecting';
    socket.addEventListener('open', () => {
      openedAt = Date.now();
    });
    socket.addEventListener('message', () => {
      root.dataset.live = 'watching';
    });
    socket.addEventListener('close', (event) => {
      root.dataset.live = 'closed';
      if (leaving) return;
      if (openedAt > 0 && Date.now() - openedAt >= STABLE_CONNECTION_MS) failures = 0;
      if (event.code === SESSION_ENDED && event.reason !== 'rotated') {
        location.replace('/login?ended=' + encodeURIComponent(event.reason));
      } else {
        retry();
      }
    });
  }

  connect();
})();
`;
