// `nest-qsessions/migrations`: the TypeORM migrations that create the tables of nest-qsessions,
// for apps that do not use `synchronize`.
export {
  createQSessionRevocationsMigration,
  createQSessionsMigration,
  type QSessionRevocationsMigrationOptions,
  type QSessionsMigrationClass,
  type QSessionsMigrationOptions,
} from './create-qsessions-migration.js';
export {
  createQSessionsUpgradeMigration,
  type QSessionsUpgradeMigrationOptions,
} from './upgrade-qsessions-migration.js';
