import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { QSession, QSessionHistoryEntry, QSessionRevokeLink, setQSessionUserEntity } from '../lib/index.js';
import { clearExpiredSessions } from '../lib/cli/index.js';
import { QSessionsCommandError } from '../lib/cli/command-error.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { databases } from './support/matrix.js';
import { IntUser } from './support/users.js';

// clearExpiredSessions() (and `qsessions clear-expired --history-retain-days`) for apps with the
// `history` option: what SessionService.clearExpired() does to the history, from cron.

const DAY = 24 * 60 * 60 * 1000;

describe.each(databases)('clearExpiredSessions with historyRetainDays on %s', (kind) => {
  let dataSource: DataSource;

  beforeAll(async () => {
    await ensureDatabase(kind);
    setQSessionUserEntity(IntUser);
    dataSource = new DataSource({
      ...dataSourceOptions(kind),
      entities: [IntUser, QSession, QSessionHistoryEntry, QSessionRevokeLink],
      synchronize: true,
      dropSchema: true,
    });
    await dataSource.initialize();
  });
  afterAll(() => dataSource?.destroy());

  function session(userId: number | null, expireDate: Date) {
    const now = new Date();
    return {
      sessionKey: randomBytes(32).toString('hex'),
      sessionData: '{}',
      userId,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      expireDate,
      createdAt: now,
      updatedAt: now,
      reauthenticatedAt: null,
      label: null,
      clientHints: null,
    };
  }

  it("records the expiry of each user's session, prunes old entries and expired links", async () => {
    const user = await dataSource.getRepository(IntUser).save({ username: `cli-${Math.random()}` });
    const past = new Date(Date.now() - 1000);
    const expired = session(user.id, past);
    await dataSource
      .getRepository(QSession)
      .insert([expired, session(null, past), session(user.id, new Date(Date.now() + DAY))]);
    const entry = {
      userId: user.id,
      event: 'signed-in',
      device: 'Firefox on Linux',
      deviceKey: 'Firefox|Linux|desktop',
    };
    await dataSource.getRepository(QSessionHistoryEntry).insert([
      { ...entry, sessionId: 'a'.repeat(64), at: new Date(Date.now() - 40 * DAY) },
      { ...entry, sessionId: 'b'.repeat(64), at: new Date(Date.now() - 10 * DAY) },
    ]);
    await dataSource.getRepository(QSessionRevokeLink).insert([
      { tokenDigest: 'c'.repeat(64), userId: user.id, sessionId: 'b'.repeat(64), expiresAt: past },
      {
        tokenDigest: 'd'.repeat(64),
        userId: user.id,
        sessionId: 'b'.repeat(64),
        expiresAt: new Date(Date.now() + DAY),
      },
    ]);

    expect(await clearExpiredSessions({ dataSource, historyRetainDays: 30 })).toBe(2);

    const entries = await dataSource.getRepository(QSessionHistoryEntry).find({ order: { at: 'DESC' } });
    expect(entries.map((row) => [row.event, row.sessionId, row.reason, row.device])).toEqual([
      ['expired', expired.sessionKey, 'expired', 'Firefox on Linux'],
      ['signed-in', 'b'.repeat(64), null, 'Firefox on Linux'],
    ]);
    expect((await dataSource.getRepository(QSessionRevokeLink).find()).map((link) => link.tokenDigest)).toEqual([
      'd'.repeat(64),
    ]);
  });

  it('without it, leaves the history alone', async () => {
    const before = await dataSource.getRepository(QSessionHistoryEntry).count();
    await dataSource.getRepository(QSession).insert(session(null, new Date(Date.now() - 1000)));
    expect(await clearExpiredSessions({ dataSource })).toBe(1);
    expect(await dataSource.getRepository(QSessionHistoryEntry).count()).toBe(before);
  });

  it('refuses a DataSource without the history entities, and a retention that is not a number of days', async () => {
    const bare = new DataSource({ ...dataSourceOptions(kind), entities: [IntUser, QSession] });
    await bare.initialize();
    try {
      await expect(clearExpiredSessions({ dataSource: bare, historyRetainDays: 30 })).rejects.toThrow(
        /add QSessionHistoryEntry and QSessionRevokeLink/,
      );
    } finally {
      await bare.destroy();
    }
    await expect(clearExpiredSessions({ dataSource, historyRetainDays: 0 })).rejects.toBeInstanceOf(
      QSessionsCommandError,
    );
  });
});
