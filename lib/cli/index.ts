// `nest-qsessions/cli`: the `qsessions` command line as a function, and its commands that are
// useful on their own (clearing expired sessions from a scheduler, downloading GeoIP databases).
// Apps never load this at run time; the root entry point does not import it.
export { runQSessionsCli } from './run-cli.js';
export type { CliIo, TextOutput } from './cli-io.js';
export { QSessionsCommandError } from './command-error.js';
export {
  downloadGeoIpDatabases,
  type DownloadedGeoIpDatabase,
  type DownloadGeoIpDatabasesOptions,
} from './geoip/download-geoip-databases.js';
export { MAXMIND_URL_TEMPLATE } from './geoip/download-url.js';
export { clearExpiredSessions, type ClearExpiredSessionsOptions } from './clear-expired/clear-expired-sessions.js';
