import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildCli, ROOT } from './support/cli-build.js';

// @keyv/redis, pg and redis are optional peers: loaded only when an option or a command needs
// them. An app without one must be told which package to install, at start-up (the cache is
// chosen while the module initialises) or when the command starts, never with a bare
// "Cannot find package". Each case runs the built package in a plain Node process in which that
// package cannot be resolved, as in an app that never installed it.

const execFileAsync = promisify(execFile);
const HIDE_PACKAGES = fileURLToPath(new URL('./support/hide-packages/register.mjs', import.meta.url));
const dist = (file: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', file)).href);

/** The message of the error that `script` (an ES module body ending in a promise) rejects with. */
async function failureWithout(packages: string[], script: string): Promise<string> {
  const body = `try { await (${script}); console.log('no error'); } catch (error) { console.log(error.message); }`;
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', HIDE_PACKAGES, '--input-type=module', '-e', body],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', QSESSIONS_HIDDEN_PACKAGES: packages.join(',') } },
  );
  return stdout.trim();
}

describe('optional peers that are not installed', () => {
  beforeAll(() => buildCli(), 120_000);

  it('cache.redisUrl without @keyv/redis names the package to install', async () => {
    const message = await failureWithout(
      ['@keyv/redis'],
      `import(${dist('cache/create-cache.js')}).then((m) => m.connectRedisCache('redis://127.0.0.1:6379'))`,
    );
    expect(message).toBe(
      'nest-qsessions: `cache.redisUrl` needs the @keyv/redis package: run `npm install @keyv/redis`.',
    );
  });

  it('importing connect-pg-simple sessions from a URL without pg names the package', async () => {
    const message = await failureWithout(
      ['pg'],
      `import(${dist('import/pg-simple-session-source.js')}).then((m) => m.openPgSimpleSessionSource({ url: 'postgres://127.0.0.1:5432/test' }))`,
    );
    expect(message).toContain('needs the `pg` package');
    expect(message).toContain('npm install pg');
  });

  it('importing connect-redis sessions without redis (nor @redis/client) names the package', async () => {
    const message = await failureWithout(
      ['redis', '@redis/client'],
      `import(${dist('import/redis-session-source.js')}).then((m) => m.openRedisSessionSource({ url: 'redis://127.0.0.1:6379' }))`,
    );
    expect(message).toContain('needs the `redis` package');
    expect(message).toContain('npm install redis');
  });

  it('the root entry point loads without any of them', async () => {
    const message = await failureWithout(
      ['@keyv/redis', 'pg', 'redis', '@redis/client'],
      `import('nest-qsessions').then((m) => { if (!m.QSessionsModule) throw new Error('no QSessionsModule'); })`,
    );
    expect(message).toBe('no error');
  });
});
