import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  clearExpiredSessions,
  QSessionsCommandError,
  runQSessionsCli,
  type ClearExpiredSessionsOptions,
  type CliIo,
} from '../lib/cli/index.js';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import { ROOT } from './support/cli-build.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { databases, type DatabaseKind } from './support/matrix.js';
import { insertSessions, remainingDigests } from './support/session-rows.js';
import { IntUser } from './support/users.js';

// clearExpiredSessions(), the function behind `qsessions clear-expired`, in this process: with
// the app's DataSource object (the bin's tests pass a file). Neither touches the session cache:
// an expired session's cached copy is refused by every read and leaves Redis at its TTL.

setQSessionUserEntity(IntUser);
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function connectionFor(kind: DatabaseKind): DataSourceOptions {
  if (kind !== 'sqlite') return dataSourceOptions(kind);
  const folder = mkdtempSync(join(tmpdir(), 'qsessions-clear-'));
  folders.push(folder);
  return { type: 'better-sqlite3', database: join(folder, 'sessions.sqlite') };
}

describe.each(databases)('clearExpiredSessions() on %s', (kind) => {
  let connection: DataSourceOptions;
  let dataSource: DataSource;

  beforeAll(async () => {
    await ensureDatabase(kind);
    connection = connectionFor(kind);
  });
  beforeEach(async () => {
    dataSource = new DataSource({ ...connection, entities: [IntUser, QSession], synchronize: true, dropSchema: true });
    await dataSource.initialize();
  });
  afterEach(() => dataSource?.destroy());

  it('deletes the expired sessions in batches of batchSize, and leaves an initialised DataSource open', async () => {
    const rows = await insertSessions(dataSource, { expired: 250, live: 20 });
    const progress: number[] = [];

    const deleted = await clearExpiredSessions({
      dataSource,
      batchSize: 100,
      onBatch: (soFar) => progress.push(soFar),
    });

    expect(deleted).toBe(250);
    expect(progress).toEqual([100, 200, 250]);
    expect(dataSource.isInitialized).toBe(true);
    expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
  });

  it('initialises a DataSource given closed, without touching the schema, and closes it again', async () => {
    const rows = await insertSessions(dataSource, { expired: 3, live: 2 });
    // dropSchema would empty the database, were the function to honour it.
    const closed = new DataSource({
      ...connection,
      entities: [IntUser, QSession],
      synchronize: true,
      dropSchema: true,
    });

    expect(await clearExpiredSessions({ dataSource: closed })).toBe(3);

    expect(closed.isInitialized).toBe(false);
    expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
  });

  it('refuses the cache options of 0.1.0 (a usage error) and deletes nothing', async () => {
    const rows = await insertSessions(dataSource, { expired: 4, live: 1 });
    const removed = [
      [{ redisUrl: 'redis://:s3cret-pass@127.0.0.1:6379' }, '`redisUrl` option was'],
      [{ cache: {} }, '`cache` option was'],
      [{ redisUrl: 'redis://127.0.0.1:6379', cachePrefix: 'app:' }, '`redisUrl` and `cachePrefix` options were'],
    ] as const;

    for (const [extra, named] of removed) {
      // As a JavaScript caller (or a loosely typed object) would still give them.
      const options = { dataSource, ...extra } as unknown as ClearExpiredSessionsOptions;
      const error = await clearExpiredSessions(options).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(QSessionsCommandError);
      expect(error).toMatchObject({
        exitCode: 2,
        message: `The ${named} removed: expired sessions are refused by every read and leave Redis at their TTL; nothing to evict. Leave ${named.endsWith('were') ? 'them' : 'it'} out.`,
      });
      expect((error as Error).message).not.toContain('s3cret-pass');
    }
    expect(await remainingDigests(dataSource)).toEqual([...rows.expired, ...rows.live].sort());
  });

  it('stops between batches when its signal is aborted', async () => {
    const rows = await insertSessions(dataSource, { expired: 5, live: 0 });
    const controller = new AbortController();
    controller.abort();

    await expect(clearExpiredSessions({ dataSource, signal: controller.signal })).rejects.toThrow(
      'Interrupted after deleting 0 expired sessions.',
    );
    expect(await remainingDigests(dataSource)).toEqual([...rows.expired].sort());
  });
});

describe('clearExpiredSessions() options', () => {
  it.each([0, -1, 1.5, 100_001, Number.NaN])('refuses batchSize %p (a usage error)', async (batchSize) => {
    const error = await clearExpiredSessions({ dataSource: 'unused.js', batchSize }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(QSessionsCommandError);
    expect(error).toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('The batch size must be a whole number'),
    });
  });

  it('says which file is missing', async () => {
    const missing = join(tmpdir(), `${randomUUID()}.js`);
    await expect(clearExpiredSessions({ dataSource: missing })).rejects.toThrow(
      `The data source file ${missing} does not exist.`,
    );
  });
});

describe('qsessions clear-expired: no cache', () => {
  function io(): CliIo & { stdout: { text: string }; stderr: { text: string } } {
    const output = () => {
      const out = { text: '', write: (chunk: string) => void (out.text += chunk) };
      return out;
    };
    return { stdout: output(), stderr: output(), env: {} };
  }

  it.each([
    [['--redis-url', 'redis://:s3cret-pass@127.0.0.1:6379'], '--redis-url was removed', 'it'],
    [['--redis-url=redis://:s3cret-pass@127.0.0.1:6379'], '--redis-url was removed', 'it'],
    [['--cache-prefix', 'app:'], '--cache-prefix was removed', 'it'],
    [['--redis-url'], '--redis-url was removed', 'it'],
    [
      ['--cache-prefix=app:', '--redis-url', 'redis://:s3cret-pass@127.0.0.1:6379'],
      '--redis-url and --cache-prefix were removed',
      'them',
    ],
  ])('refuses %j with a usage error that says why (exit 2)', async (given, named, pronoun) => {
    const streams = io();
    // The data source file is never looked at: the removed option is refused first.
    const missing = join(tmpdir(), `${randomUUID()}.js`);

    expect(await runQSessionsCli(['clear-expired', '-d', missing, ...given], streams)).toBe(2);

    expect(streams.stderr.text).toContain(
      `qsessions clear-expired: ${named}: expired sessions are refused by every read and leave Redis at their TTL; ` +
        `nothing to evict. Leave ${pronoun} out.\n`,
    );
    expect(streams.stderr.text).toContain('Usage: qsessions clear-expired');
    expect(streams.stderr.text).not.toContain('s3cret-pass');
    expect(streams.stdout.text).toBe('');
  });

  it('does not take a `--redis-url` after `--` for the option', async () => {
    const streams = io();
    expect(await runQSessionsCli(['clear-expired', '-d', 'x.js', '--', '--redis-url'], streams)).toBe(2);
    expect(streams.stderr.text).not.toContain('removed');
  });

  it('mentions no cache option in its help', async () => {
    const streams = io();
    expect(await runQSessionsCli(['clear-expired', '--help'], streams)).toBe(0);
    expect(streams.stdout.text).toContain('Usage: qsessions clear-expired');
    expect(streams.stdout.text).not.toMatch(/--redis-url|--cache-prefix/);
  });

  it('loads no cache module: the command and clearExpiredSessions() reach nothing under lib/cache nor a cache package', () => {
    const reached = importGraph(join(ROOT, 'lib/cli/clear-expired.command.ts'));
    const files = [...reached.files].map((file) => relative(ROOT, file));

    expect(files).toContain('lib/cli/clear-expired/clear-expired-sessions.ts');
    expect(files).toContain('lib/typeorm/typeorm-session-store.ts');
    expect(files.filter((file) => file.startsWith('lib/cache/'))).toEqual([]);
    expect([...reached.packages].filter((name) => /redis|keyv|cache/.test(name))).toEqual([]);
  });
});

/**
 * The modules a source file loads at run time, transitively: relative imports and exports
 * (static and `import()`) followed through the sources, packages collected. Type-only imports
 * (`import type`, `export type`) are erased by the compiler and are not followed.
 */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  const specifiers =
    /(?:^|\n)\s*(import|export)(\s+type\b)?[^'";]*?\sfrom\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(specifiers)) {
      if (match[2]) continue;
      const specifier = (match[3] ?? match[4] ?? match[5])!;
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  }
  return { files, packages };
}
