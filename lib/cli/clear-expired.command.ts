import { parseArgs } from 'node:util';
import { DEFAULT_CLEAR_BATCH_SIZE, describeCount, NO_CACHE_EVICTION } from './clear-expired/clear-count.js';
import type { QSessionsCommand } from './command.js';
import { usageError } from './command-error.js';
import { parseCommandLine } from './parse-command-line.js';

const USAGE = `Usage: qsessions clear-expired -d <data-source-file> [options]

Deletes expired sessions from the qsessions_session table, ${DEFAULT_CLEAR_BATCH_SIZE} rows at a time,
and prints how many were deleted. Run it from cron, e.g. daily. The session cache of the
cached_db engine needs nothing: every read refuses an expired session, and Redis drops it at
its TTL.

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
  --history-retain-days <n> With the app's \`history\` option: its retainDays. Records each
                            expiry in the sign-in history and deletes older entries and
                            expired revoke links (the data source must list
                            QSessionHistoryEntry and QSessionRevokeLink).
  -h, --help                Show this help.

Exit status: 0 done, 1 failure (the message says which), 2 usage error.
`;

/** The options of 0.1.0 that evicted deleted sessions from the cache; now refused. */
const REMOVED_OPTIONS = ['--redis-url', '--cache-prefix'];

/** `qsessions clear-expired`: the command line over {@link clearExpiredSessions}. */
export const clearExpiredCommand: QSessionsCommand = {
  name: 'clear-expired',
  summary: 'Delete expired sessions in batches',
  usage: USAGE,
  async run(args, io) {
    // Before parsing: parseArgs would only call them unknown (or want a value), and their values
    // (a Redis URL may hold a password) are never printed.
    const removed = removedOptionsGiven(args);
    if (removed.length > 0) {
      throw usageError(
        `${removed.join(' and ')} ${removed.length === 1 ? 'was' : 'were'} removed: ${NO_CACHE_EVICTION}. ` +
          `Leave ${removed.length === 1 ? 'it' : 'them'} out.`,
      );
    }
    const values = parseCommandLine(() =>
      parseArgs({
        args: [...args],
        options: {
          dataSource: { type: 'string', short: 'd' },
          'data-source': { type: 'string' },
          'batch-size': { type: 'string' },
          'history-retain-days': { type: 'string' },
        },
        strict: true,
        allowPositionals: true,
      }),
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

    const retainText = values['history-retain-days'];
    if (retainText !== undefined && !/^\d+$/.test(retainText)) {
      throw usageError(
        `--history-retain-days must be a whole number of days, e.g. 90; got ${JSON.stringify(retainText)}.`,
      );
    }

    // Loaded only now: TypeORM takes a while to load, and `--help` or the other command need none of it.
    const { clearExpiredSessions } = await import('./clear-expired/clear-expired-sessions.js');
    const deleted = await clearExpiredSessions({
      dataSource: file,
      batchSize: batchText === undefined ? undefined : Number(batchText),
      historyRetainDays: retainText === undefined ? undefined : Number(retainText),
      signal: io.signal,
    });
    io.stdout.write(`Deleted ${describeCount(deleted)}.\n`);
    return 0;
  },
};

/** Which of {@link REMOVED_OPTIONS} the arguments hold (`--name` or `--name=value`, before any `--`). */
function removedOptionsGiven(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  return REMOVED_OPTIONS.filter((name) => options.some((arg) => arg === name || arg.startsWith(`${name}=`)));
}
