// Where the benchmark's services are, and the names it owns on them. One place, so that the
// orchestrator, the app processes and the scale script agree.

/** PostgreSQL as on every machine of this project: 127.0.0.1:5432, user postgres, no password. */
export const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

/** Database of the HTTP benchmark's PostgreSQL variants (recreated per run, schema reset per app process). */
export const HTTP_DATABASE = 'qsessions_bench';

/** Database of the session-management-at-scale part (created, filled, dropped). */
export const SCALE_DATABASE = 'qsessions_bench_scale';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Every Redis key the benchmark writes starts with this, so clean-up never touches anyone else's keys. */
export const REDIS_KEY_ROOT = 'qsbench:';

/** Users seeded in each HTTP app that has a user table; logins spread over them. */
export const HTTP_USERS = 100;

/** The two User-Agents of the benchmark's requests (`read-ua` alternates them). */
export const USER_AGENT_A =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36';
export const USER_AGENT_B =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15';
