// `nest-qsessions/import`: importing the sessions of an express-session store (what
// `qsessions import` runs). Pair it with the module's `legacyCookie` option.
export {
  DEFAULT_IMPORT_BATCH_SIZE,
  importExpressSessions,
  type ImportExpressSessionsOptions,
} from './import-express-sessions.js';
export {
  formatImportReport,
  IMPORT_SKIP_REASONS,
  type ExpressSessionImportReport,
  type ImportSkipReason,
} from './import-report.js';
export type { ExpressSessionStoreKind } from './legacy-session-source.js';
