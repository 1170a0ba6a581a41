import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ROOT } from './cli-build.js';

/** How the written data source file should look. */
export interface DataSourceFileOptions {
  /** Call setQSessionUserEntity(User) (default true). */
  register?: boolean;
  /** Include QSession in `entities` (default true). */
  withQSession?: boolean;
  /** `default` (default), a single `named` export, or `none` (exports no DataSource). */
  exportAs?: 'default' | 'named' | 'none';
  /** File extension: `js` (default) or `ts`. */
  extension?: 'js' | 'ts';
}

/**
 * A new folder for data source files, inside the project (under the git-ignored test-output/),
 * so that the file imports `typeorm` and `nest-qsessions` by name, as an app's file does: the
 * package name resolves to this project's dist/, the very modules the bin runs.
 */
export function dataSourceFolder(): string {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const folder = mkdtempSync(join(ROOT, 'test-output', 'cli-data-source-'));
  // An app's own tsconfig for a TypeScript data source file run through tsx. (This project's
  // tsconfig maps `nest-qsessions` to lib/ for type-checking; an app's resolves the package.)
  writeFileSync(
    join(folder, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        experimentalDecorators: true,
      },
    }),
  );
  return folder;
}

/**
 * Writes an app's TypeORM data source file, as the TypeORM CLI would be given: a user entity,
 * QSession, and the DataSource for `connection`. In a `.js` file the entity is what tsc compiles
 * `@Entity() class User { @PrimaryGeneratedColumn() id ... }` into (the decorators applied by
 * hand); a `.ts` file declares it with decorators, as an app's source does, which no Node runs
 * without a TypeScript loader (type stripping refuses decorators).
 */
export function writeDataSourceFile(
  folder: string,
  connection: DataSourceOptions,
  options: DataSourceFileOptions = {},
): string {
  const { register = true, withQSession = true, exportAs = 'default', extension = 'js' } = options;
  const file = join(folder, `data-source-${Math.random().toString(36).slice(2)}.${extension}`);
  const entities = withQSession ? '[User, QSession]' : '[User]';
  const declaration =
    exportAs === 'default'
      ? `export default new DataSource({ ...connection, entities: ${entities} });`
      : exportAs === 'named'
        ? `export const appDataSource = new DataSource({ ...connection, entities: ${entities} });`
        : `export const connectionOptions = connection;`;
  writeFileSync(
    file,
    `import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { QSession, setQSessionUserEntity } from 'nest-qsessions';

// The app's user entity (the table of test/support/users.ts IntUser).
${extension === 'ts' ? DECORATED_USER : COMPILED_USER}
${register ? 'setQSessionUserEntity(User);' : '// (setQSessionUserEntity is not called)'}

const connection = ${JSON.stringify(connection)};
${declaration}
`,
  );
  return file;
}

const COMPILED_USER = `export class User {}
Entity({ name: 'test_users' })(User);
PrimaryGeneratedColumn()(User.prototype, 'id');
Column({ type: 'varchar', length: 100 })(User.prototype, 'username');`;

const DECORATED_USER = `@Entity({ name: 'test_users' })
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  username!: string;
}`;
