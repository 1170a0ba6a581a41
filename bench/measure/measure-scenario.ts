import { HTTP_USERS } from '../bench-config.js';
import type { AppProcess } from '../process/app-process.js';
import type { Scenario } from '../scenarios.js';
import { sessionCookieName, type Variant } from '../variants.js';
import { PLACEHOLDER_COOKIE, runLoad } from './load.js';
import { readSession, signIn, signInCookies } from './login-cookies.js';
import type { CellFigures } from './measurement.js';
import {
  clockTicksPerSecond,
  cpuSecondsBetween,
  readCpuTicks,
  readResidentMemory,
  resetPeakRss,
} from './proc-stats.js';

export interface WindowSettings {
  warmupSeconds: number;
  seconds: number;
  connections: number;
  /** Reset the app's peak RSS right before the measured window (false: it is the process's lifetime peak). */
  resetPeakRss: boolean;
}

export interface ScenarioOutcome {
  figures: CellFigures;
  /** A session check after the window that failed: the variant did not keep its sessions. */
  problems: string[];
}

/**
 * Measures one scenario on a running app: signs each connection in (fresh sessions for every
 * scenario), warms up, then measures one window with the app's CPU and peak memory read from
 * /proc around it, then checks that the sessions really did what the scenario asked.
 */
export async function measureScenario(
  app: AppProcess,
  variant: Variant,
  scenario: Scenario,
  settings: WindowSettings,
): Promise<ScenarioOutcome> {
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const cookieName = sessionCookieName(variant);
  const cookies = !scenario.signedIn
    ? []
    : cookieName === null
      ? [PLACEHOLDER_COOKIE]
      : await signInCookies(baseUrl, cookieName, settings.connections, HTTP_USERS);
  const load = { baseUrl, scenario: scenario.name, cookies, connections: settings.connections };

  if (settings.warmupSeconds > 0) await runLoad({ ...load, seconds: settings.warmupSeconds });

  if (settings.resetPeakRss && !resetPeakRss(app.pid)) {
    throw new Error(`cannot reset the peak RSS of process ${app.pid} (/proc/${app.pid}/clear_refs)`);
  }
  const driverCpuBefore = process.cpuUsage();
  const cpuBefore = readCpuTicks(app.pid);
  const result = await runLoad({ ...load, seconds: settings.seconds });
  const cpuAfter = readCpuTicks(app.pid);
  const driverCpu = process.cpuUsage(driverCpuBefore);
  const memory = readResidentMemory(app.pid);

  const requests = result.requests.total;
  const appCpuSeconds = cpuSecondsBetween(cpuBefore, cpuAfter, clockTicksPerSecond());
  const perRequest = (seconds: number): number => (requests > 0 ? (seconds * 1e6) / requests : 0);
  const statusCounts: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = stats.count ?? 0;
  const figures: CellFigures = {
    requests,
    seconds: result.duration,
    requestsPerSecond: result.duration > 0 ? requests / result.duration : 0,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCounts,
    appCpuSeconds,
    appCpuMicrosPerRequest: perRequest(appCpuSeconds),
    driverCpuMicrosPerRequest: perRequest((driverCpu.user + driverCpu.system) / 1e6),
    peakRssBytes: memory.peakRssBytes,
  };

  const problems: string[] = [];
  if (app.hasExited) problems.push(`the app ${app.describeExit()} during the window${app.tail()}`);
  else if (cookieName !== null) {
    try {
      await checkSessions(baseUrl, cookieName, scenario, cookies);
    } catch (error) {
      problems.push(`session check after the window failed: ${(error as Error).message}`);
    }
  }
  return { figures, problems };
}

/**
 * What must hold after each scenario, else the variant's figures mean nothing: the signed-in
 * sessions still read back as their user, `write` really stored its counter, `login` still
 * creates sessions that read back.
 */
async function checkSessions(
  baseUrl: string,
  cookieName: string,
  scenario: Scenario,
  cookies: string[],
): Promise<void> {
  if (scenario.name === 'login') {
    const cookie = await signIn(baseUrl, cookieName, 1);
    const session = await readSession(baseUrl, cookie);
    if (session.userId !== 1) throw new Error(`a new sign-in as user 1 reads back as user ${session.userId}`);
    return;
  }
  const session = await readSession(baseUrl, cookies[0]!);
  if (session.userId !== 1) throw new Error(`connection 1's session reads back as user ${session.userId}, not 1`);
  if (scenario.name === 'write' && !(session.count > 0)) {
    throw new Error(`the counter written on every request reads back as ${session.count}`);
  }
}
