// `nest-qsessions/migrations`: the TypeORM migration that creates the sessions table, for apps
// that do not use `synchronize`.
export {
  createQSessionsMigration,
  type QSessionsMigrationClass,
  type QSessionsMigrationOptions,
} from './create-qsessions-migration.js';
