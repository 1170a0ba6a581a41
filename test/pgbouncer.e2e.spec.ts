import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { postgresPort } from './support/databases.js';
import { databases, variants, type Variant } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { IntUser } from './support/users.js';

// PostgreSQL behind PgBouncer in transaction pooling (Debian's 1.18, which keeps no named prepared
// statement: a client's next statement may run on another server connection). Runs in the
// `.ci/run` stage that sends the suites through PgBouncer (QSESSIONS_TEST_PG_PORT=6432), next to
// conformance, service, races and the two-process suites: many clients at once, every request
// answered, the prepared statements given up once with one warning, nothing else logged.

const throughPooler = databases.includes('postgres') && postgresPort !== 5432;
const pooled = variants().filter((variant) => variant.database === 'postgres' && variant.adapter === 'express');
const eachPooled: (table: Variant[]) => (name: string, fn: (variant: Variant) => void) => void = throughPooler
  ? describe.each
  : describe.skip.each;

eachPooled(throughPooler ? pooled : variants().slice(0, 1))(
  'through PgBouncer (transaction pooling), $name',
  (variant) => {
    let t: TestApp;
    const warnings: string[] = [];
    const errors: string[] = [];

    beforeAll(async () => {
      // The pooler really is in transaction mode (its admin console says), with fewer server
      // connections than the clients below.
      const admin = new pg.Client({ host: '127.0.0.1', port: postgresPort, user: 'postgres', database: 'pgbouncer' });
      await admin.connect();
      try {
        const config = (await admin.query('SHOW CONFIG')).rows as Array<{ key: string; value: string }>;
        expect(config.find((row) => row.key === 'pool_mode')?.value).toBe('transaction');
      } finally {
        await admin.end();
      }
      jest
        .spyOn(Logger.prototype, 'warn')
        .mockImplementation((message: unknown) => void warnings.push(String(message)));
      jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
      t = await startTestApp(variant);
    });
    afterAll(async () => {
      await t?.close();
      jest.restoreAllMocks();
    });

    it('40 clients sign in, write and read at once: every request answered, one warning at most', async () => {
      const repository = t.dataSource.getRepository(IntUser);
      const clients = await Promise.all(
        Array.from({ length: 40 }, async (_, index) => {
          const user = await repository.save({ username: `pooled-${index}-${Date.now()}` });
          return { user, browser: new SessionClient(t, `Pooled/${index}`) };
        }),
      );
      const statuses: number[] = [];
      await Promise.all(
        clients.map(async ({ user, browser }, index) => {
          statuses.push((await browser.send('post', '/set', { cart: index })).status);
          statuses.push((await browser.send('post', '/login', { userId: user.id })).status);
          for (let round = 0; round < 5; round++) {
            statuses.push((await browser.send('post', '/set', { round })).status);
            const read = await browser.send('get', '/read_session');
            statuses.push(read.status);
            expect(read.body).toMatchObject({ cart: index, round, userId: user.id });
          }
        }),
      );
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect(warnings.filter((warning) => !/lost a prepared statement/.test(warning))).toEqual([]);
      expect(warnings.length).toBeLessThanOrEqual(1);
      expect(errors).toEqual([]);
      expect(await t.sessions.list(clients[0]!.user.id)).toHaveLength(1);
    });
  },
);
