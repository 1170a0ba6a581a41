import { parseArgs } from 'node:util';
import type { ExpressSessionStoreKind } from '../import/legacy-session-source.js';
import { formatImportReport } from '../import/import-report.js';
import { urlPassword } from '../import/url-password.js';
import type { QSessionsCommand } from './command.js';
import { QSessionsCommandError, usageError } from './command-error.js';
import { ImportProgress } from './import-progress.js';
import { parseCommandLine, rawOptionValues } from './parse-command-line.js';
import { redactSecrets } from './redact.js';

const STORES: readonly ExpressSessionStoreKind[] = ['connect-redis', 'connect-pg-simple', 'connect-typeorm'];

const USAGE = `Usage: qsessions import --from <store> -d <data-source-file> [options]

Imports the sessions of an express-session store into the qsessions_session table, so that
switching to nest-qsessions logs no one out: each live session keeps its data, expiry and
user. With the module's legacyCookie option, a browser still sending express-session's
cookie is then served its session and moved to the new cookie. Safe to run again (sessions
imported before are skipped). Progress goes to stderr; the report (what was imported, what
was skipped and why) to stdout. Session ids and data are never printed.

Stores (--from):
  connect-redis             Keys <prefix><sid> in Redis, walked with SCAN (on every primary of a
                            cluster). Needs --source-url or --source-cluster.
  connect-pg-simple         Its PostgreSQL table (sid, sess, expire).
  connect-typeorm           The table of its Session entity (id, json, expiredAt, destroyedAt).

Options:
  --from <store>            The store to read, as above.
  -d, --dataSource <file>   Your TypeORM data source file, as for the TypeORM CLI and
                            clear-expired: it must list QSession and your user entity and call
                            setQSessionUserEntity(User) before the export.
  --source-url <url>        connect-redis: its Redis (redis://[:password@]host:6379[/db]).
                            connect-pg-simple: its database (postgres://...); default: the
                            database of -d, when that is PostgreSQL.
  --source-cluster <nodes>  connect-redis on a Redis Cluster: some of its nodes, host:port,host:port.
  --source-data-source <file>
                            connect-typeorm: a data source file for the database holding its
                            table, when that is not the database of -d.
  --prefix <prefix>         connect-redis's prefix option (default sess:).
  --table <name>            connect-pg-simple's tableName, or connect-typeorm's table (default session).
  --schema <name>           The schema of that table (PostgreSQL), if not on the search path.
  --batch-size <n>          Sessions per batch (default 500).
  --dry-run                 Count what would be imported and skipped; write nothing.
  --express-max-age <ms>    Your express-session cookie.maxAge: sessions with another lifetime
                            ("remember me") keep theirs. Without it, imported sessions take the
                            app's cookie.maxAge when next saved.
  --max-data-bytes <n>      Your app's maxDataBytes (default 65536): larger sessions are skipped.
  --redis-url <url>         The Redis of your cached_db engine (its cache.redisUrl): imported
                            sessions are cached there too, in the app's format.
  --redis-cluster <nodes>   Or its Redis Cluster (its cache.cluster.rootNodes), host:port,host:port.
  --cache-prefix <prefix>   Key prefix of that cache (the app's cache.keyPrefix; default qsessions:).
  -h, --help                Show this help.

The owner of a session is read from its data: userId, else passport's passport.user (for
another rule, call importExpressSessions() with userIdFromSession). Skipped: sessions already
imported, expired or ended, undecodable, empty, too large, or whose user is not in your user
table.

Exit status: 0 done, 1 failure (the message says which), 2 usage error.
`;

/** The command line's options, as parseArgs takes them. */
const OPTIONS = {
  from: { type: 'string' },
  dataSource: { type: 'string', short: 'd' },
  'data-source': { type: 'string' },
  'source-url': { type: 'string' },
  'source-data-source': { type: 'string' },
  prefix: { type: 'string' },
  table: { type: 'string' },
  schema: { type: 'string' },
  'batch-size': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'express-max-age': { type: 'string' },
  'max-data-bytes': { type: 'string' },
  'redis-url': { type: 'string' },
  'redis-cluster': { type: 'string' },
  'source-cluster': { type: 'string' },
  'cache-prefix': { type: 'string' },
} as const;

type ImportValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: true }>
>['values'];

/** `qsessions import`: the command line over {@link importExpressSessions}. */
export const importCommand: QSessionsCommand = {
  name: 'import',
  summary: 'Import sessions from an express-session store (connect-redis, -pg-simple, -typeorm)',
  usage: USAGE,
  async run(args, io) {
    // Passwords in the URLs given are hidden from whatever this command prints.
    const secrets = [...rawOptionValues(args, 'source-url'), ...rawOptionValues(args, 'redis-url')].map(urlPassword);
    const values = parseCommandLine(
      () => parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true }),
      secrets,
    );
    const from = values.from as ExpressSessionStoreKind | undefined;
    if (!from || !STORES.includes(from)) {
      throw usageError(
        `Give the store to import from with --from: ${STORES.join(', ')}` +
          (from === undefined ? '.' : ` (not ${JSON.stringify(from)}).`),
      );
    }
    const file = values.dataSource ?? values['data-source'];
    if (!file) {
      throw usageError('Give your TypeORM data source file with -d/--dataSource (e.g. -d dist/data-source.js).');
    }
    const progress = new ImportProgress(io.stderr);
    try {
      // Loaded only now: TypeORM takes a while to load, and `--help` or the other commands need none of it.
      const { importExpressSessions } = await import('../import/import-express-sessions.js');
      const report = await importExpressSessions({
        ...importOptions(from, file, values),
        onBatch: (soFar) => progress.update(soFar),
        signal: io.signal,
      });
      progress.finish();
      io.stdout.write(formatImportReport(report));
      return 0;
    } catch (error) {
      progress.finish();
      throw redactedError(error, secrets);
    }
  },
};

/** What the command line asks of importExpressSessions (numbers checked, as the usage spells them). */
function importOptions(from: ExpressSessionStoreKind, file: string, values: ImportValues) {
  return {
    from,
    dataSource: file,
    sourceUrl: values['source-url'],
    sourceCluster: nodeList(values['source-cluster']),
    sourceDataSource: values['source-data-source'],
    prefix: values.prefix,
    table: values.table,
    schema: values.schema,
    batchSize: wholeNumber(values['batch-size'], '--batch-size', '--batch-size 500'),
    dryRun: values['dry-run'] ?? false,
    expressMaxAge: wholeNumber(values['express-max-age'], '--express-max-age', '--express-max-age 86400000'),
    maxDataBytes: wholeNumber(values['max-data-bytes'], '--max-data-bytes', '--max-data-bytes 65536'),
    redisUrl: values['redis-url'],
    redisCluster: nodeList(values['redis-cluster']),
    cachePrefix: values['cache-prefix'],
  };
}

/** The command's error with every password given on the command line hidden. */
function redactedError(error: unknown, secrets: readonly (string | undefined)[]): QSessionsCommandError {
  if (error instanceof QSessionsCommandError) {
    return new QSessionsCommandError(redactSecrets(error.message, secrets), error.exitCode);
  }
  // Not one of ours (a driver's error): its text was not written with passwords in mind.
  return new QSessionsCommandError(
    redactSecrets(`unexpected error: ${(error as Error)?.stack ?? String(error)}`, secrets),
  );
}

/** A whole-number option, or undefined when not given (range checks are the function's). */
function wholeNumber(text: string | undefined, option: string, example: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text))
    throw usageError(`${option} must be a whole number, e.g. ${example}; got ${JSON.stringify(text)}.`);
  return Number(text);
}

/** A `host:port,host:port` option as a list (checked by importExpressSessions), or undefined when not given. */
function nodeList(text: string | undefined): string[] | undefined {
  return text?.split(',').map((node) => node.trim());
}
