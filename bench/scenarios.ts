// The HTTP scenarios. Every variant serves the same three routes (bench/app/routes.ts); a
// scenario says which route is hit, with what, and whether a signed-in cookie is needed.

export type ScenarioName = 'read' | 'read-ua' | 'write' | 'login';

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  /** Whether each connection first signs in and then sends its session cookie. */
  readonly signedIn: boolean;
}

/**
 * In the order they run inside one app process. `login` goes last: it leaves tens of thousands
 * of sessions behind in the store, which must not weigh on the other scenarios.
 */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'read', signedIn: true, description: 'GET /read: hot read of a signed-in session (same IP and UA)' },
  {
    name: 'read-ua',
    signedIn: true,
    description: 'GET /read with the User-Agent alternating between two values on every request',
  },
  { name: 'write', signedIn: true, description: 'POST /write: a counter in the session incremented every request' },
  { name: 'login', signedIn: false, description: 'POST /login without a cookie: a session created per request' },
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}
