import type { ScenarioName } from '../scenarios.js';

/** What one measured window of one variant and scenario gave. */
export interface CellFigures {
  /** Responses completed inside the window (any status). */
  requests: number;
  /** Length of the window as autocannon timed it, in seconds. */
  seconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Responses with a status outside 200-299. */
  non2xx: number;
  /** Responses per status code. */
  statusCounts: Record<string, number>;
  /** utime + stime of the app process over the window. */
  appCpuSeconds: number;
  appCpuMicrosPerRequest: number;
  /** CPU of the benchmark process itself (autocannon) over the window: it shares the cores with the app. */
  driverCpuMicrosPerRequest: number;
  /** VmHWM of the app process: peak resident memory over the window (or over the process's life, see notes). */
  peakRssBytes: number;
}

/** One (round, variant, scenario) cell. */
export interface Measurement {
  round: number;
  variant: string;
  scenario: ScenarioName;
  /** Missing when the cell could not be measured at all. */
  figures?: CellFigures;
  /** What went wrong: the app died, sign-in failed, the session check after the window failed... */
  problems: string[];
}

/** Whether a cell counts as failed in a smoke run: any problem, connection error or non-2xx response. */
export function isFaulty(measurement: Measurement): boolean {
  const figures = measurement.figures;
  return measurement.problems.length > 0 || !figures || figures.errors > 0 || figures.non2xx > 0;
}
