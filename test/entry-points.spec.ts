import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildCli, ROOT } from './support/cli-build.js';

// What an app gets from each of the package's entry points, loaded from the build the way an app
// loads it: by package name through package.json's `exports` (the package refers to itself), in a
// plain Node process. The root is the runtime API only: importing it must not load the command
// line, the importer or the migration, which only the subpaths serve, nor the health indicator
// (it imports @nestjs/terminus, an optional peer).

const execFileAsync = promisify(execFile);
const REGISTER_RECORDER = fileURLToPath(new URL('./support/load-recorder/register.mjs', import.meta.url));
const DIST = pathToFileURL(join(ROOT, 'dist/')).href;
const TOOLING = ['cli/', 'import/', 'typeorm/migrations/'];
const OPTIONAL_INTEGRATIONS = ['health/'];

/** The package's own files (relative to dist/) that `import(specifier)` loads in a fresh process. */
async function distFilesLoadedBy(specifier: string): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'qsessions-loads-'));
  const log = join(folder, 'loaded.txt');
  try {
    await execFileAsync(
      process.execPath,
      ['--import', REGISTER_RECORDER, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', QSESSIONS_LOAD_LOG: log } },
    );
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith(DIST))
      .map((url) => url.slice(DIST.length));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The names a CommonJS `require(specifier)` returns (Node's require() of ES modules). */
async function requiredNames(specifier: string): Promise<string[]> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)})).sort()))`],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(stdout) as string[];
}

/** The names an ES `import(specifier)` returns. */
async function importedNames(specifier: string): Promise<string[]> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(specifier)})).sort()))`,
    ],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(stdout) as string[];
}

describe('package entry points', () => {
  beforeAll(() => buildCli(), 120_000);

  it('the root loads the runtime and none of the tooling', async () => {
    const loaded = await distFilesLoadedBy('nest-qsessions');
    expect(loaded).toContain('index.js');
    expect(loaded).toContain('qsessions.module.js');
    expect(loaded.filter((file) => TOOLING.some((folder) => file.startsWith(folder)))).toEqual([]);
    expect(loaded.filter((file) => OPTIONAL_INTEGRATIONS.some((folder) => file.startsWith(folder)))).toEqual([]);
  });

  it.each([
    ['nest-qsessions/cli', 'cli/index.js'],
    ['nest-qsessions/health', 'health/index.js'],
    ['nest-qsessions/import', 'import/index.js'],
    ['nest-qsessions/migrations', 'typeorm/migrations/index.js'],
  ])('%s loads its own tooling', async (specifier, entry) => {
    expect(await distFilesLoadedBy(specifier)).toContain(entry);
  });

  it('nest-qsessions/migrations offers the migration factories', async () => {
    expect(await importedNames('nest-qsessions/migrations')).toEqual([
      'createQSessionRevocationsMigration',
      'createQSessionsMigration',
      'createQSessionsUpgradeMigration',
    ]);
  });

  it('nest-qsessions/health offers the health indicator', async () => {
    expect(await importedNames('nest-qsessions/health')).toEqual(['QSessionsHealthIndicator']);
  });

  it('serves CommonJS require() and ES import alike, at every entry point', async () => {
    for (const specifier of [
      'nest-qsessions',
      'nest-qsessions/cli',
      'nest-qsessions/health',
      'nest-qsessions/import',
      'nest-qsessions/migrations',
    ]) {
      const names = await importedNames(specifier);
      expect(names.length).toBeGreaterThan(0);
      expect(await requiredNames(specifier)).toEqual(names);
    }
  });

  it('the root offers the runtime API and no tooling function', async () => {
    const names = await importedNames('nest-qsessions');
    expect(names).toEqual(
      expect.arrayContaining(['QSessionsModule', 'SessionService', 'QSession', 'CurrentSession', 'ClientInfo']),
    );
    for (const tooling of [
      'runQSessionsCli',
      'importExpressSessions',
      'createQSessionsMigration',
      'createQSessionRevocationsMigration',
      'clearExpiredSessions',
      'QSessionsHealthIndicator',
    ]) {
      expect(names).not.toContain(tooling);
    }
  });
});
