import request from 'supertest';
import { QSession } from '../lib/index.js';
import { sessionCookie } from './support/http.js';
import { databaseVariants } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { IntUser, UuidUser } from './support/users.js';
import { digest } from './support/digest.js';

/** Signs a user in through the app and returns the cookie key. */
async function loginAs(t: TestApp, userId: number | string, userAgent = 'EntityTest/1.0'): Promise<string> {
  const response = await request(t.url).post('/login').set('User-Agent', userAgent).send({ userId }).expect(200);
  return sessionCookie(response.headers)!.value;
}

describe.each(databaseVariants())('QSession entity on $name', (variant) => {
  describe.each([
    { label: 'integer', entity: IntUser },
    { label: 'uuid', entity: UuidUser },
  ])('with a user entity whose primary key is an $label', ({ entity }) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(variant, { userEntity: entity });
    });
    afterAll(() => t?.close());

    it('creates the qsessions_session table with snake_case columns, indexes and a cascading foreign key', async () => {
      const runner = t.dataSource.createQueryRunner();
      try {
        const table = await runner.getTable('qsessions_session');
        expect(table).toBeDefined();
        const columns = Object.fromEntries(table!.columns.map((column) => [column.name, column]));
        expect(Object.keys(columns).sort()).toEqual(
          [
            'client_hints',
            'created_at',
            'expire_date',
            'ip',
            'label',
            'reauthenticated_at',
            'session_data',
            'session_key',
            'updated_at',
            'user_agent',
            'user_id',
          ].sort(),
        );
        expect(columns.session_key!.isPrimary).toBe(true);
        expect(columns.user_id!.isNullable).toBe(true);
        expect(columns.user_agent!.length).toBe('300');
        expect(columns.label!.length).toBe('64');
        expect(columns.label!.isNullable).toBe(true);
        expect(columns.reauthenticated_at!.isNullable).toBe(true);
        expect(columns.client_hints!.length).toBe('512');
        expect(columns.client_hints!.isNullable).toBe(true);
        // TypeORM reports index columns in no fixed order; the set is what it can tell us.
        const indexed = table!.indices.map((index) => [...index.columnNames].sort().join(','));
        expect(indexed).toEqual(expect.arrayContaining(['expire_date', 'expire_date,user_id']));
        if (variant.database === 'postgres') {
          // The owner comes first so that listing one user's sessions is an index range scan.
          const [definition] = await runner.query(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'qsessions_session_user_expire_idx'",
          );
          expect(definition.indexdef).toContain('(user_id, expire_date)');
        }
        const foreignKey = table!.foreignKeys.find((fk) => fk.columnNames.includes('user_id'));
        expect(foreignKey?.onDelete).toBe('CASCADE');
        const userTable = t.dataSource.getMetadata(entity).tableName;
        expect(foreignKey?.referencedTableName).toContain(userTable);
      } finally {
        await runner.release();
      }
    });

    it('links a session to its user and loads the user through the relation', async () => {
      const user = await t.dataSource.getRepository(entity).save({ username: 'alice' });
      const key = await loginAs(t, user.id);
      const row = await t.dataSource
        .getRepository(QSession)
        .findOne({ where: { sessionKey: digest(key) }, relations: { user: true } });
      expect(row?.userId).toEqual(user.id);
      expect((row?.user as { username?: string } | undefined)?.username).toBe('alice');
    });

    it('deletes the sessions of a user deleted from the database (ON DELETE CASCADE)', async () => {
      const users = t.dataSource.getRepository(entity);
      const doomed = await users.save({ username: 'bob' });
      const survivor = await users.save({ username: 'carol' });
      await loginAs(t, doomed.id);
      await loginAs(t, doomed.id, 'Other/2.0');
      const kept = await loginAs(t, survivor.id);
      const sessions = t.dataSource.getRepository(QSession);
      expect(await sessions.countBy({ userId: doomed.id })).toBe(2);
      await users.delete(doomed.id);
      expect(await sessions.countBy({ userId: doomed.id })).toBe(0);
      expect(await sessions.existsBy({ sessionKey: digest(kept) })).toBe(true);
    });

    it('stores IPv6 addresses of full length and anonymous sessions without a user', async () => {
      const sessions = t.dataSource.getRepository(QSession);
      const now = Date.now();
      const longest = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255';
      await sessions.insert({
        sessionKey: digest('ipv6-row'),
        sessionData: '{}',
        userId: null,
        ip: longest,
        userAgent: 'x'.repeat(300),
        expireDate: new Date(now + 60_000),
        createdAt: new Date(now),
        updatedAt: new Date(now),
      });
      const row = await sessions.findOneByOrFail({ sessionKey: digest('ipv6-row') });
      expect(row.ip).toBe(longest);
      expect(row.userAgent).toHaveLength(300);
      expect(row.userId).toBeNull();
      expect(row.expireDate.getTime()).toBeGreaterThan(now);
    });

    it('refuses a session whose user does not exist, with an error that names the cause', async () => {
      const missing = entity === IntUser ? 987654 : '00000000-0000-4000-8000-000000000000';
      const response = await request(t.url).post('/login').send({ userId: missing });
      expect(response.status).toBe(500);
      const rows = await t.dataSource.getRepository(QSession).countBy({ userId: missing });
      expect(rows).toBe(0);
    });
  });
});
