// Drives a consumer app of .ci/consumer.sh over real HTTP, as two browsers of one user would:
//
//   node .ci/consumer-drive.mjs http://127.0.0.1:PORT
//
// Signs in from two User-Agents (two cookie jars), lists the sessions from the first (two, one of
// them `current`), revokes the second from the first, and checks that the second is signed out
// and that one session is left. Any mismatch exits 1 with the request and the response.
/* global fetch */
import { URL } from 'node:url';

const base = process.argv[2];
if (!base) {
  console.error('usage: node .ci/consumer-drive.mjs <base URL>');
  process.exit(2);
}

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0';

class Failure extends Error {}

/** A browser: a User-Agent and a cookie jar. */
class Browser {
  constructor(name, userAgent) {
    this.name = name;
    this.userAgent = userAgent;
    this.cookies = new Map();
  }

  async request(method, path, body) {
    const headers = { 'user-agent': this.userAgent, accept: 'application/json' };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(new URL(path, base), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) this.store(line);
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const described = `${this.name}: ${method} ${path} -> ${response.status}\n  cookies sent: ${headers.cookie ?? '(none)'}\n  set-cookie: ${JSON.stringify(response.headers.getSetCookie())}\n  body: ${text}`;
    return { status: response.status, json, described };
  }

  store(line) {
    const [pair, ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key, raw = ''] = attribute.split('=');
      const lower = key.trim().toLowerCase();
      if (lower === 'max-age') return Number(raw) <= 0;
      if (lower === 'expires') return Date.parse(raw) <= Date.now();
      return false;
    });
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

function expect(condition, message, response) {
  if (!condition) throw new Failure(`${message}\n${response ? response.described : ''}`);
}

async function expectStatus(browser, method, path, status, body) {
  const response = await browser.request(method, path, body);
  expect(response.status === status, `expected HTTP ${status}`, response);
  console.log(`ok   ${browser.name}: ${method} ${path} -> ${response.status}`);
  return response;
}

async function main() {
  const first = new Browser('chrome', CHROME_MAC);
  const second = new Browser('firefox', FIREFOX_WINDOWS);
  const username = 'consumer-alice';

  await expectStatus(new Browser('anonymous', CHROME_MAC), 'GET', '/sessions', 401);

  for (const browser of [first, second]) {
    const login = await expectStatus(browser, 'POST', '/login', 201, { username });
    expect(login.json?.ok === true && typeof login.json.userId === 'number', 'login answer', login);
    expect(browser.cookies.size > 0, 'login set no cookie', login);
  }

  const whoFirst = await expectStatus(first, 'GET', '/whoami', 200);
  expect(whoFirst.json?.user?.username === username, 'whoami: user', whoFirst);
  expect(whoFirst.json?.client?.userAgent === CHROME_MAC, 'whoami: @ClientInfo() userAgent', whoFirst);
  expect(['127.0.0.1', '::1'].includes(whoFirst.json?.client?.ip), 'whoami: @ClientInfo() ip', whoFirst);
  expect(/^[0-9a-f]{64}$/.test(whoFirst.json?.sessionId ?? ''), 'whoami: @CurrentSession() publicId', whoFirst);
  expect(whoFirst.json?.device?.summary === 'Chrome on macOS', 'whoami: parseDevice() summary', whoFirst);
  const whoSecond = await expectStatus(second, 'GET', '/whoami', 200);
  expect(whoSecond.json?.client?.userAgent === FIREFOX_WINDOWS, 'whoami (second): userAgent', whoSecond);
  const firstId = whoFirst.json.sessionId;
  const secondId = whoSecond.json.sessionId;
  expect(firstId !== secondId, 'two sign-ins share one session id', whoSecond);

  const both = await expectStatus(first, 'GET', '/sessions', 200);
  expect(Array.isArray(both.json) && both.json.length === 2, 'list: expected 2 sessions', both);
  const current = both.json.filter((view) => view.current === true);
  expect(current.length === 1 && current[0].id === firstId, 'list: exactly one current, the first', both);
  const other = both.json.find((view) => view.id === secondId);
  expect(other && other.current === false && other.userAgent === FIREFOX_WINDOWS, 'list: the second', both);
  expect(other.device?.summary === 'Firefox on Windows', 'list: device summary of the second', both);
  for (const view of both.json) {
    for (const field of ['createdAt', 'lastActive', 'expiresAt']) {
      expect(!Number.isNaN(Date.parse(view[field])), `list: ${field} is a date`, both);
    }
  }

  await expectStatus(first, 'DELETE', `/sessions/${secondId}`, 200);
  await expectStatus(second, 'GET', '/whoami', 401);
  await expectStatus(second, 'GET', '/sessions', 401);
  await expectStatus(first, 'DELETE', `/sessions/${secondId}`, 404);

  const left = await expectStatus(first, 'GET', '/sessions', 200);
  expect(Array.isArray(left.json) && left.json.length === 1, 'list after revoke: expected 1 session', left);
  expect(left.json[0].id === firstId && left.json[0].current === true, 'list after revoke: the first', left);

  const cleared = await expectStatus(first, 'POST', '/maintenance/clear-expired', 200);
  expect(cleared.json?.deleted === 0, 'clearExpiredSessions() from nest-qsessions/cli', cleared);

  // A browser without a cookie: the health check answers and sets none.
  const visitor = new Browser('health probe', 'kube-probe/1.30');
  const health = await expectStatus(visitor, 'GET', '/health', 200);
  const sessions = health.json?.details?.sessions;
  expect(sessions?.status === 'up' && sessions.database?.status === 'up', 'health: sessions and database up', health);
  expect(visitor.cookies.size === 0, 'health: no cookie set', health);

  console.log('consumer app: every check passed');
}

main().catch((error) => {
  console.error(error instanceof Failure ? `FAIL ${error.message}` : error);
  process.exit(1);
});
