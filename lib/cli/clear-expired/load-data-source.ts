import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InstanceChecker, type DataSource } from 'typeorm';
import { QSessionsCommandError } from '../command-error.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/**
 * Loads a TypeORM data source file the way the TypeORM CLI (`-d/--dataSource`) does: the
 * DataSource is the default export, or the one named export that is a DataSource (a Promise of
 * one counts too). Nothing is initialised here.
 *
 * A `.ts` file needs a TypeScript loader in the Node process: Node 20 has none built in, and the
 * type stripping of Node 22.18+ and 24 refuses decorators, which entity files use. The error
 * says to run `node --import tsx node_modules/.bin/qsessions ...` or to give the compiled file.
 */
export async function loadDataSourceFile(file: string): Promise<DataSource> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new QSessionsCommandError(
      `The data source file ${path} does not exist. Give the path of your TypeORM data source file ` +
        '(the one you give the TypeORM CLI with -d), e.g. -d dist/data-source.js.',
      2,
    );
  }
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    if (TYPESCRIPT.has(extname(path)) && needsTypeScriptLoader(error)) {
      throw new QSessionsCommandError(
        `Node cannot load the TypeScript file ${path} by itself${describeLoadError(error)}. Give the compiled .js ` +
          'file instead (e.g. -d dist/data-source.js), or run the command with a TypeScript loader: ' +
          '`node --import tsx node_modules/.bin/qsessions clear-expired -d ' +
          `${file}\` (tsx does not emit decorator metadata: entity columns then need an explicit \`type\`).`,
      );
    }
    throw new QSessionsCommandError(
      `Cannot load the data source file ${path}: ${(error as Error)?.message ?? String(error)}`,
    );
  }

  const found = new Set<DataSource>();
  const fromDefault = await exports.default;
  if (InstanceChecker.isDataSource(fromDefault)) return fromDefault;
  for (const [name, value] of Object.entries(exports)) {
    if (name === 'default') continue;
    // A Promise<DataSource> export (an async factory) is awaited, as the TypeORM CLI does.
    const awaited = await value;
    if (InstanceChecker.isDataSource(awaited)) found.add(awaited);
  }
  if (found.size === 1) return [...found][0]!;
  throw new QSessionsCommandError(
    found.size === 0
      ? `The data source file ${path} exports no TypeORM DataSource. Export it as the default export ` +
          '(`export default new DataSource({...})`) or as a single named export.'
      : `The data source file ${path} exports ${found.size} DataSources; export only one (or make it the default export).`,
  );
}

/**
 * Whether loading a TypeScript file failed for want of a TypeScript loader: Node without type
 * stripping does not know the extension; with it, TypeScript-only syntax (enums, parameter
 * properties) is refused by name, and decorators (not yet JavaScript that V8 runs) are a
 * SyntaxError.
 */
function needsTypeScriptLoader(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (
    code === 'ERR_UNKNOWN_FILE_EXTENSION' ||
    code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' ||
    error instanceof SyntaxError
  );
}

/** `: <why>` for errors whose message adds something (not for an unknown extension, which the sentence says). */
function describeLoadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ERR_UNKNOWN_FILE_EXTENSION' ? '' : ` (${(error as Error).message})`;
}
