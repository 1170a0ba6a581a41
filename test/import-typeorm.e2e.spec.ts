import { createCache } from 'cache-manager';
import { TypeormStore } from 'connect-typeorm';
import { Keyv } from 'keyv';
import { DataSource, EntitySchema } from 'typeorm';
import { importExpressSessions } from '../lib/import/index.js';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import { importReceiptDigest, legacySessionDigest } from '../lib/session/legacy-session-id.js';
import {
  cookieJson,
  describeImportScenario,
  importVariants,
  randomSid,
  type LegacyStoreKit,
} from './support/import-scenario.js';
import { IntUser } from './support/users.js';

// Switching from express-session + connect-typeorm to nest-qsessions: see describeImportScenario
// for the whole path, run here with connect-typeorm's table in the app's own database (any of
// the run's databases), under its default name `session`.

const FAR_FUTURE = new Date('2999-01-01T00:00:00Z');

/** The Session entity connect-typeorm's README has apps declare (ISession), as an EntitySchema. */
function sessionEntity(tableName: string, columnNames: { expiredAt: string; destroyedAt: string }) {
  return new EntitySchema<{ id: string; json: string; expiredAt: number; destroyedAt?: Date }>({
    name: `LegacySession_${tableName}`,
    tableName,
    columns: {
      expiredAt: { name: columnNames.expiredAt, type: 'bigint' },
      id: { type: 'varchar', length: 255, primary: true },
      json: { type: 'text' },
      destroyedAt: { name: columnNames.destroyedAt, type: Date, deleteDate: true, nullable: true },
    },
    indices: [{ columns: ['expiredAt'] }],
  });
}

const typeormKit: LegacyStoreKit = {
  from: 'connect-typeorm',
  async open(context) {
    const entity = sessionEntity('session', { expiredAt: 'expiredAt', destroyedAt: 'destroyedAt' });
    // The old app's DataSource on the same database (its table only: schema changes touch nothing else).
    const dataSource = new DataSource({ ...context.connection, entities: [entity], synchronize: true });
    await dataSource.initialize();
    const repository = dataSource.getRepository(entity);
    const insert = (sid: string, payload: string, expiresAt: Date | null, destroyedAt?: Date) =>
      repository.insert({ id: sid, json: payload, expiredAt: (expiresAt ?? FAR_FUTURE).getTime(), destroyedAt });
    return {
      store: new TypeormStore({ cleanupLimit: 0 }).connect(repository),
      args: [],
      options: {},
      put: async (sid, payload, expiresAt) => void (await insert(sid, payload, expiresAt)),
      // A logged-out session: connect-typeorm soft-deletes (destroyedAt) instead of deleting.
      putEnded: async (sid, payload, expiresAt) => void (await insert(sid, payload, expiresAt, new Date())),
      async close() {
        await dataSource.query(`DROP TABLE IF EXISTS ${dataSource.driver.escape('session')}`);
        await dataSource.destroy();
      },
    };
  },
};

describe('express-session + connect-typeorm', () => {
  // cached_db on the app's in-memory cache: imported through importExpressSessions() in its process.
  describeImportScenario(typeormKit, importVariants('memory'));
});

describe('importExpressSessions() from connect-typeorm: snake_case columns and a custom owner rule', () => {
  setQSessionUserEntity(IntUser);
  let dataSource: DataSource;
  const entity = sessionEntity('web_sessions', { expiredAt: 'expired_at', destroyedAt: 'destroyed_at' });

  beforeAll(async () => {
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [IntUser, QSession, entity],
      synchronize: true,
    });
    await dataSource.initialize();
  });
  afterAll(() => dataSource?.destroy());

  it('finds the renamed columns, reads the owner with userIdFromSession, and leaves the DataSource open', async () => {
    const [ada] = await dataSource.getRepository(IntUser).save([{ username: 'ada' }]);
    const live = Date.now() + 3_600_000;
    const [owned, ended] = [randomSid(), randomSid()];
    await dataSource.getRepository(entity).insert([
      {
        id: owned,
        json: JSON.stringify({ cookie: cookieJson(new Date(live)), auth: { uid: ada!.id } }),
        expiredAt: live,
      },
      {
        id: ended,
        json: JSON.stringify({ cookie: cookieJson(new Date(live)), auth: { uid: ada!.id } }),
        expiredAt: live,
        destroyedAt: new Date(),
      },
    ]);
    const batches: number[] = [];
    // The cached_db engine's cache as a cache-manager cache (e.g. the app's CACHE_MANAGER).
    const cache = createCache({ stores: [new Keyv()] });

    const report = await importExpressSessions({
      from: 'connect-typeorm',
      dataSource,
      cache,
      cachePrefix: 'app:',
      table: 'web_sessions',
      userIdFromSession: (data) => (data.auth as { uid?: number } | undefined)?.uid ?? null,
      batchSize: 1,
      onBatch: (soFar) => batches.push(soFar.read),
    });

    expect(report).toMatchObject({ from: 'connect-typeorm', dryRun: false, read: 2, imported: 1 });
    expect(report.skipped).toMatchObject({ ended: 1, alreadyImported: 0, unknownUser: 0 });
    expect(report.source).toBe('connect-typeorm (table web_sessions of the better-sqlite3 data source)');
    expect(batches).toEqual([1, 2]);
    const row = await dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: legacySessionDigest(owned) });
    expect(row.userId).toBe(ada!.id);
    expect(Math.abs(row.expireDate.getTime() - live)).toBeLessThan(1000);
    expect(await dataSource.getRepository(QSession).existsBy({ sessionKey: importReceiptDigest(owned) })).toBe(true);
    expect(dataSource.isInitialized).toBe(true);
    // Cached under the app's key, in the app's format; the receipt is not.
    expect(await cache.get(`app:s:${legacySessionDigest(owned)}`)).toMatchObject({ d: row.sessionData, u: ada!.id });
    expect(await cache.get(`app:s:${importReceiptDigest(owned)}`)).toBeUndefined();
    expect(report.cacheProblems).toEqual([]);
  });

  it('a table that is not a connect-typeorm session table is named, with the columns it has', async () => {
    await expect(importExpressSessions({ from: 'connect-typeorm', dataSource, table: 'test_users' })).rejects.toThrow(
      'The table "test_users" is not a connect-typeorm session table: it needs the columns id, json and expiredAt (or expired_at), and has id, username.',
    );
    await expect(importExpressSessions({ from: 'connect-typeorm', dataSource, table: 'nope' })).rejects.toThrow(
      'The better-sqlite3 data source has no table "nope".',
    );
  });

  it('refuses table and schema names that are not plain identifiers (no SQL injection, even in a dry run)', async () => {
    const users = dataSource.getRepository(IntUser);
    const before = await users.count();
    for (const [table, schema] of [
      ['web_sessions"; DROP TABLE test_users; --', undefined],
      ["web_sessions') OR 1=1; DELETE FROM test_users; --", undefined],
      ['web_sessions', 'main"; DELETE FROM test_users; --'],
      ['', undefined],
    ] as const) {
      await expect(
        importExpressSessions({ from: 'connect-typeorm', dataSource, table, schema, dryRun: true }),
      ).rejects.toThrow(/is not a plain SQL identifier: use letters, digits, _ and \$ only/);
    }
    expect(await users.count()).toBe(before);
  });
});
