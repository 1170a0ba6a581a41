import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildCli, ROOT } from './support/cli-build.js';

// @keyv/redis, pg, redis and @nestjs/terminus are optional peers: loaded only when an option, a
// command or a subpath (nest-qsessions/health) needs them. An app without one must be told which package to install, at start-up (the cache is
// chosen while the module initialises) or when the command starts, never with a bare
// "Cannot find package". Each case runs the built package in a plain Node process in which that
// package cannot be resolved, as in an app that never installed it.

const execFileAsync = promisify(execFile);

// GraphQL support (the decorators and FreshSessionGuard in resolvers) recognises a resolver's call
// by its context type's name, and the subscription hooks (graphqlWsSessions(),
// mercuriusSubscriptionSessions()) read the connection objects the servers hand them: the library
// imports no GraphQL package at all, so it declares none as a peer, and an app without them loads
// nothing of them.
const GRAPHQL_PACKAGES = [
  '@nestjs/graphql',
  'graphql',
  '@nestjs/apollo',
  '@nestjs/mercurius',
  '@apollo/server',
  'mercurius',
  'graphql-ws',
  'graphql-subscriptions',
];
// WebSocket gateways and server-sent events (LiveSessions) likewise: the library tells a socket.io
// socket from a `ws` WebSocket by their methods and imports neither, nor Nest's WebSocket packages.
const WEBSOCKET_PACKAGES = [
  '@nestjs/websockets',
  '@nestjs/platform-socket.io',
  '@nestjs/platform-ws',
  'socket.io',
  'ws',
];
const TRANSPORT_PACKAGES = [...GRAPHQL_PACKAGES, ...WEBSOCKET_PACKAGES];
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

  it('nest-qsessions/health without @nestjs/terminus names the package', async () => {
    const message = await failureWithout(['@nestjs/terminus'], `import('nest-qsessions/health')`);
    expect(message).toContain("Cannot find package '@nestjs/terminus'");
  });

  it('without @opentelemetry/api the module records nothing, and says nothing', async () => {
    const message = await failureWithout(
      ['@opentelemetry/api'],
      `import(${dist('telemetry/qsessions-telemetry.js')}).then(async (m) => { const { SessionEvents } = await import(${dist('events/session-events.js')}); const t = await m.openQSessionsTelemetry(new SessionEvents()); if (t !== null) throw new Error('telemetry without the API'); })`,
    );
    expect(message).toBe('no error');
  });

  it('the root entry point loads without any of them, nor any GraphQL or WebSocket package', async () => {
    const message = await failureWithout(
      ['@keyv/redis', 'pg', 'redis', '@redis/client', '@nestjs/terminus', '@opentelemetry/api', ...TRANSPORT_PACKAGES],
      `import('nest-qsessions').then((m) => { if (!m.QSessionsModule) throw new Error('no QSessionsModule'); })`,
    );
    expect(message).toBe('no error');
  });
});

describe('GraphQL and WebSocket packages', () => {
  it('no file of lib/ imports one (they are not even optional peers)', () => {
    const offenders = sourceFiles(join(ROOT, 'lib')).filter((file) =>
      moduleSpecifiers(readFileSync(file, 'utf8')).some((specifier) =>
        TRANSPORT_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`)),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('package.json names none of them as a dependency or peer', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const names = Object.keys((manifest[field] as Record<string, string> | undefined) ?? {});
      expect(names.filter((name) => TRANSPORT_PACKAGES.includes(name))).toEqual([]);
    }
  });
});

/** Every .ts file under a folder. */
function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The module names a TypeScript file imports, re-exports, import()s or require()s. */
function moduleSpecifiers(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((match) => match[1]!);
}
