import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { buildSampleApp } from './support/cli-build.js';
import { caches, databases, type DatabaseKind } from './support/matrix.js';
import { sampleEnv } from './support/sample-app.js';
import { Browser } from './support/sample-browser.js';
import { startSampleProcess, type SampleProcess } from './support/sample-process.js';

// maxSessionsPerUser across two real app processes (the compiled sample app) that share one
// database (and Redis, where the matrix has it): concurrent sign-ins of one user, half on each,
// never leave more than the limit of live rows, and every sign-in that was answered as a
// success is a live session while every other one is not. On every database of the matrix, SQLite
// (one file shared by both processes) included.

const LIMIT = 3;
const SIGN_INS = 24;
const engine = caches.includes('redis') ? 'cached_db' : 'db';

/** The rows of `username`'s sessions, read straight from the database the processes share. */
async function sessionRows(database: DatabaseKind, env: Record<string, string>, username: string): Promise<number> {
  const options: DataSourceOptions =
    database === 'sqlite'
      ? { type: 'better-sqlite3', database: env.SAMPLE_SQLITE_PATH! }
      : database === 'postgres'
        ? { type: 'postgres', url: env.SAMPLE_DB_URL }
        : { type: 'mysql', url: env.SAMPLE_DB_URL };
  const reader = new DataSource(options);
  await reader.initialize();
  try {
    const [row] = await reader.query(
      `SELECT COUNT(*) AS n FROM qsessions_session WHERE user_id = (SELECT id FROM users WHERE username = '${username}')`,
    );
    return Number(row.n);
  } finally {
    await reader.destroy();
  }
}

describe.each(databases)('maxSessionsPerUser across two processes on %s', (database) => {
  let folder: string;
  beforeAll(async () => {
    await buildSampleApp();
    folder = mkdtempSync(join(tmpdir(), 'qsessions-limit-'));
  }, 300_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  describe.each(['evict-least-recent', 'refuse'] as const)("onSessionLimit: '%s'", (policy) => {
    let first: SampleProcess | undefined;
    let second: SampleProcess | undefined;
    let env: Record<string, string>;

    beforeAll(async () => {
      env = sampleEnv(database, engine === 'cached_db' ? 'redis' : 'memory', {
        SAMPLE_ENGINE: engine,
        SAMPLE_MAX_SESSIONS: String(LIMIT),
        SAMPLE_ON_SESSION_LIMIT: policy,
        ...(database === 'sqlite' && { SAMPLE_SQLITE_PATH: join(folder, `${policy}.db`) }),
      });
      // The first one creates the tables; the second joins them as they are.
      first = await startSampleProcess(env);
      second = await startSampleProcess({ ...env, SAMPLE_RESET: '0' });
    }, 120_000);
    afterAll(async () => {
      await Promise.all([first?.stop(), second?.stop()]);
    });

    it(`${SIGN_INS} concurrent sign-ins of one user, half on each process, leave at most ${LIMIT} live sessions`, async () => {
      const browsers = Array.from(
        { length: SIGN_INS },
        (_, i) => new Browser((i % 2 === 0 ? first : second)!.url, `Burst/${i}`),
      );
      // Each has its sign-in form (and CSRF token) first, so that the sign-ins go out together.
      for (const browser of browsers) await browser.get('/login');
      const answers = await Promise.all(
        browsers.map((browser) =>
          browser.post('/login', { _csrf: browser.token, username: 'alice', password: 'alice-password' }),
        ),
      );
      const signedIn = answers.map((answer) => answer.status === 303 && answer.headers.location === '/sessions');
      // Refused (409); or, when evicting, ended by a concurrent sign-in of the other process before
      // its own response went out (400: the session ended during the request).
      const expected = policy === 'refuse' ? [303, 409] : [303, 400, 409];
      for (const answer of answers) expect(expected).toContain(answer.status);

      const rows = await sessionRows(database, env, 'alice');
      expect(rows).toBeLessThanOrEqual(LIMIT);
      expect(rows).toBeGreaterThanOrEqual(1);
      // Whatever the answer said holds on both processes: a success is a live session, nothing else is.
      const live: boolean[] = [];
      for (const [i, browser] of browsers.entries()) {
        browser.url = (i % 2 === 0 ? second : first)!.url;
        const page = await browser.get('/sessions');
        live.push(page.status === 200);
      }
      expect(live.filter(Boolean)).toHaveLength(rows);
      if (policy === 'refuse') {
        expect(live).toEqual(signedIn);
      } else {
        for (const [i, alive] of live.entries()) if (alive) expect(signedIn[i]).toBe(true);
      }
    });
  });
});
