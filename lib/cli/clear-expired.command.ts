import { parseArgs } from 'node:util';
import { DEFAULT_CLEAR_BATCH_SIZE, describeCount } from './clear-expired/clear-count.js';
import type { QSessionsCommand } from './command.js';
import { usageError } from './command-error.js';
import { parseCommandLine, rawOptionValues } from './parse-command-line.js';
import { redactUrlPassword } from './redact.js';

const USAGE = `Usage: qsessions clear-expired -d <data-source-file> [options]

Deletes expired sessions from the qsessions_session table, ${DEFAULT_CLEAR_BATCH_SIZE} rows at a time,
and evicts them from the session cache of the cached_db engine. Prints how many were
deleted. Run it from cron, e.g. daily.

Options:
  -d, --dataSource <file>   Your TypeORM data source file, as for the TypeORM CLI (.js; a .ts
                            file needs a loader: node --import tsx node_modules/.bin/qsessions).
                            It must export one DataSource (default or single named export)
                            whose entities include QSession and your user entity, and call
                            setQSessionUserEntity(User) before the export:
                              import { QSession, setQSessionUserEntity } from 'nest-qsessions';
                              setQSessionUserEntity(User);
                              export default new DataSource({ ..., entities: [User, QSession] });
  --batch-size <n>          Rows per batch (default ${DEFAULT_CLEAR_BATCH_SIZE}).
  --redis-url <url>         The Redis of your cached_db engine (its cache.redisUrl): deleted
                            sessions are evicted there too (revocation tombstones, as the app
                            writes them). Without it, cached entries simply expire.
  --cache-prefix <prefix>   Key prefix of that cache (the app's cache.keyPrefix; default qsessions:).
  -h, --help                Show this help.

Exit status: 0 done, 1 failure (the message says which), 2 usage error.
`;

/** `qsessions clear-expired`: the command line over {@link clearExpiredSessions}. */
export const clearExpiredCommand: QSessionsCommand = {
  name: 'clear-expired',
  summary: 'Delete expired sessions (and their cache entries) in batches',
  usage: USAGE,
  async run(args, io) {
    const values = parseCommandLine(
      () =>
        parseArgs({
          args: [...args],
          options: {
            dataSource: { type: 'string', short: 'd' },
            'data-source': { type: 'string' },
            'batch-size': { type: 'string' },
            'redis-url': { type: 'string' },
            'cache-prefix': { type: 'string' },
          },
          strict: true,
          allowPositionals: true,
        }),
      rawOptionValues(args, 'redis-url'),
    );
    const file = values.dataSource ?? values['data-source'];
    if (!file)
      throw usageError('Give your TypeORM data source file with -d/--dataSource (e.g. -d dist/data-source.js).');
    const batchText = values['batch-size'];
    if (batchText !== undefined && !/^\d+$/.test(batchText)) {
      throw usageError(
        `--batch-size must be a whole number, e.g. --batch-size 1000; got ${JSON.stringify(batchText)}.`,
      );
    }
    const redisUrl = values['redis-url'];
    const cachePrefix = values['cache-prefix'];
    if (cachePrefix !== undefined && redisUrl === undefined) {
      throw usageError('--cache-prefix applies to the cache given with --redis-url; give that too.');
    }

    // Loaded only now: TypeORM takes a while to load, and `--help` or the other command need none of it.
    const { clearExpiredSessions } = await import('./clear-expired/clear-expired-sessions.js');
    const deleted = await clearExpiredSessions({
      dataSource: file,
      batchSize: batchText === undefined ? undefined : Number(batchText),
      redisUrl,
      cachePrefix,
      signal: io.signal,
    });
    io.stdout.write(`Deleted ${describeCount(deleted)}.\n`);
    if (redisUrl !== undefined && deleted > 0) {
      io.stdout.write(
        `Evicted them from the session cache at ${redactUrlPassword(redisUrl)} (key prefix ${JSON.stringify(cachePrefix ?? 'qsessions:')}).\n`,
      );
    }
    return 0;
  },
};
