import autocannon from 'autocannon';
import { USER_AGENT_A, USER_AGENT_B } from '../bench-config.js';
import { LOGIN_PATH, READ_PATH, WRITE_PATH } from '../app/routes.js';
import type { ScenarioName } from '../scenarios.js';

/** A stand-in cookie of the same size as a real one, for the variant without sessions. */
export const PLACEHOLDER_COOKIE = `placeholder=${'0'.repeat(32)}`;

/**
 * The request sequence one connection loops over. `read-ua` has two requests differing only in
 * their User-Agent, so the UA alternates on every request of every connection.
 */
export function scenarioRequests(scenario: ScenarioName, cookie: string | undefined): autocannon.Request[] {
  const withCookie = (userAgent: string): Record<string, string> =>
    cookie === undefined ? { 'user-agent': userAgent } : { 'user-agent': userAgent, cookie };
  switch (scenario) {
    case 'read':
      return [{ method: 'GET', path: READ_PATH, headers: withCookie(USER_AGENT_A) }];
    case 'read-ua':
      return [
        { method: 'GET', path: READ_PATH, headers: withCookie(USER_AGENT_A) },
        { method: 'GET', path: READ_PATH, headers: withCookie(USER_AGENT_B) },
      ];
    case 'write':
      return [{ method: 'POST', path: WRITE_PATH, headers: withCookie(USER_AGENT_A) }];
    case 'login':
      // No cookie: every request starts a new session.
      return [{ method: 'POST', path: LOGIN_PATH, headers: { 'user-agent': USER_AGENT_A } }];
  }
}

export interface LoadSettings {
  baseUrl: string;
  scenario: ScenarioName;
  /** One per connection (connection i sends cookies[i % length]); empty: no cookie. */
  cookies: readonly string[];
  connections: number;
  seconds: number;
}

/** Drives the app for `seconds` with autocannon (in this process, no workers) and returns its result. */
export async function runLoad(settings: LoadSettings): Promise<autocannon.Result> {
  let nextClient = 0;
  return autocannon({
    url: settings.baseUrl,
    connections: settings.connections,
    pipelining: 1,
    duration: settings.seconds,
    // A response slower than this counts as an error (timeout) rather than stalling the window.
    timeout: 10,
    requests: scenarioRequests(settings.scenario, settings.cookies[0]),
    // Each connection gets its own session cookie, set on every request of its loop.
    setupClient: (client) => {
      const cookie = settings.cookies.length > 0 ? settings.cookies[nextClient++ % settings.cookies.length] : undefined;
      client.setRequests(scenarioRequests(settings.scenario, cookie));
    },
  });
}
