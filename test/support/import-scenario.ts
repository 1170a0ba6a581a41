import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type session from 'express-session';
import request from 'supertest';
import type { DataSourceOptions } from 'typeorm';
import { CacheKeys } from '../../lib/cache/cache-keys.js';
import { connectRedisCache } from '../../lib/cache/create-cache.js';
import { importReceiptDigest, legacySessionDigest } from '../../lib/session/legacy-session-id.js';
import { QSession } from '../../lib/index.js';
import {
  formatImportReport,
  importExpressSessions,
  type ExpressSessionStoreKind,
  type ImportExpressSessionsOptions,
} from '../../lib/import/index.js';
import { buildCli } from './cli-build.js';
import { dataSourceFolder, writeDataSourceFile } from './data-source-file.js';
import { dataSourceOptions } from './databases.js';
import { sessionCookie, setCookies } from './http.js';
import {
  LEGACY_MAX_AGE_MS,
  LEGACY_SECRETS,
  REMEMBER_MS,
  sidOf,
  startLegacyApp,
  type LegacyApp,
} from './import-legacy-app.js';
import { ImportTestController } from './import-test.controller.js';
import {
  adapters,
  caches,
  databases,
  redisClusterNodes,
  redisUrl,
  testRedisTarget,
  type CacheKind,
  type DatabaseKind,
  type Variant,
} from './matrix.js';
import { runBin, type BinResult } from './run-bin.js';
import { startTestApp, type TestApp } from './test-app.js';
import { TestController } from './test.controller.js';
import { IntUser } from './users.js';

const UA = 'ImportTest/1.0 (+jest)';
const DAY_MS = 24 * 60 * 60 * 1000;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Where the app under test keeps its data: the bin (another process) must reach the same database. */
export interface ImportContext {
  variant: Variant;
  testApp: TestApp;
  /** The TypeORM connection of the app (SQLite: a file shared with the bin). */
  connection: DataSourceOptions;
}

/** One express-session store, opened for one test app. */
export interface LegacyStoreHandle {
  /** The store given to express-session. */
  store: session.Store;
  /** How `qsessions import` finds it (besides --from and -d). */
  args: string[];
  /** How importExpressSessions() finds it (besides `from` and `dataSource`). */
  options: Partial<ImportExpressSessionsOptions>;
  /** Writes a session straight into the store as the store keeps them: raw text and expiry (null: none). */
  put(sid: string, payload: string, expiresAt: Date | null): Promise<void>;
  /** Writes a session the store has ended (soft delete); only stores that keep ended sessions have it. */
  putEnded?(sid: string, payload: string, expiresAt: Date): Promise<void>;
  close(): Promise<void>;
}

/** An express-session store the scenario can run against. */
export interface LegacyStoreKit {
  from: ExpressSessionStoreKind;
  /** Opens the store, in its own namespace (key prefix, table), next to the app's database. */
  open(context: ImportContext): Promise<LegacyStoreHandle>;
}

/**
 * The variants an import suite runs on: per database, the `db` engine on the first adapter and
 * `cached_db` on the other, so both adapters and both engines are covered without running every
 * combination. The cache is `preferred` when the run has it (Redis: filled by the bin; the
 * in-memory one: filled by importExpressSessions() inside the app's process).
 */
export function importVariants(preferred: CacheKind = 'redis', kinds: readonly DatabaseKind[] = databases): Variant[] {
  const cache = caches.includes(preferred) ? preferred : caches[0]!;
  const other = adapters[adapters.length - 1]!;
  return kinds.flatMap((database): Variant[] => [
    { name: `db/${database}/${adapters[0]}`, database, engine: 'db', cache: null, adapter: adapters[0]! },
    { name: `cached_db+${cache}/${database}/${other}`, database, engine: 'cached_db', cache, adapter: other },
  ]);
}

/** A random express-session id (express-session's are 32 characters of base64url). */
export function randomSid(): string {
  return randomBytes(24).toString('base64url');
}

/** express-session's serialised `cookie` object, expiring at `expires`. */
export function cookieJson(expires: Date, originalMaxAge = LEGACY_MAX_AGE_MS): Record<string, unknown> {
  return { originalMaxAge, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax' };
}

/**
 * The whole migration, end to end, for one store on each variant: sessions made by a real
 * express-session app are imported (through the built `qsessions` bin, or importExpressSessions()
 * where the cache lives in the app's process), then browsers holding the old cookie reach a
 * guarded route of the nest-qsessions app and are moved to the new cookie.
 */
export function describeImportScenario(kit: LegacyStoreKit, variants: Variant[] = importVariants()): void {
  beforeAll(async () => {
    await buildCli();
  }, 180_000);

  describe.each(variants.map((variant) => [variant.name, variant] as const))(
    `import from ${kit.from} → %s`,
    (_, variant) => {
      // Through the bin, and through the function where the bin could not fill the cache: the
      // in-memory one belongs to the app's process (it is left alone: the app reads through on a miss).
      const through: 'bin' | 'function' = variant.cache === 'memory' ? 'function' : 'bin';
      let folder: string;
      let context: ImportContext;
      let t: TestApp;
      let handle: LegacyStoreHandle;
      let legacy: LegacyApp;
      let dataSourceFile: string;
      let alice: IntUser;
      let bob: IntUser;
      const cookies = { alice: '', bob: '', anonymous: '', ghost: '' };
      let aliceKey = '';
      const untilFuture = new Date(Date.now() + DAY_MS);
      const extraSkips: string[] = [];

      beforeAll(async () => {
        folder = dataSourceFolder();
        const connection: DataSourceOptions =
          variant.database === 'sqlite'
            ? { type: 'better-sqlite3', database: join(folder, 'app.sqlite') }
            : dataSourceOptions(variant.database);
        t = await startTestApp(variant, {
          controllers: [ImportTestController, TestController],
          sqliteFile: variant.database === 'sqlite' ? join(folder, 'app.sqlite') : undefined,
          qsessions: { legacyCookie: { secrets: LEGACY_SECRETS, until: untilFuture } },
        });
        context = { variant, testApp: t, connection };
        [alice, bob] = await t.dataSource.getRepository(IntUser).save([{ username: 'alice' }, { username: 'bob' }]);
        handle = await kit.open(context);
        legacy = await startLegacyApp(handle.store);

        cookies.alice = await legacy.login(alice!.id, { data: { cart: ['book'] } });
        cookies.bob = await legacy.login(bob!.id, { style: 'passport', remember: true, data: { theme: 'dark' } });
        cookies.anonymous = await legacy.anonymous({ visits: 3 });
        cookies.ghost = await legacy.login(999_999, { data: { cart: [] } });
        // What only a store that has been running for a while holds.
        const past = new Date(Date.now() - DAY_MS);
        const future = new Date(Date.now() + DAY_MS);
        await handle.put(randomSid(), JSON.stringify({ cookie: cookieJson(past), userId: alice!.id }), null);
        await handle.put(randomSid(), '{"cookie": not json', future);
        await handle.put(randomSid(), JSON.stringify({ cookie: cookieJson(future) }), future);
        if (handle.putEnded) {
          await handle.putEnded(randomSid(), JSON.stringify({ cookie: cookieJson(future), userId: bob!.id }), future);
          extraSkips.push('ended');
        }
        dataSourceFile = writeDataSourceFile(folder, connection);
      });

      afterAll(async () => {
        await legacy?.close();
        await handle?.close();
        await t?.close();
        if (folder) rmSync(folder, { recursive: true, force: true });
      });

      /** Sessions in the store: four live, three that only a long-running store holds, and any store-specific ones. */
      const read = () => 7 + extraSkips.length;
      const rows = () => t.dataSource.getRepository(QSession).find({ order: { sessionKey: 'ASC' } });

      /** Runs the import the variant's way; the report is printed the same way by both. */
      async function runImport(extra: { dryRun?: boolean } = {}): Promise<BinResult> {
        const cacheOptions: Partial<ImportExpressSessionsOptions> =
          variant.cache !== 'redis'
            ? {}
            : redisClusterNodes
              ? { redisCluster: redisClusterNodes, cachePrefix: t.cacheKeyPrefix }
              : { redisUrl, cachePrefix: t.cacheKeyPrefix };
        if (through === 'function') {
          const report = await importExpressSessions({
            from: kit.from,
            dataSource: t.dataSource,
            batchSize: 2,
            expressMaxAge: LEGACY_MAX_AGE_MS,
            dryRun: extra.dryRun,
            ...handle.options,
            ...cacheOptions,
          });
          return { code: 0, stdout: formatImportReport(report), stderr: '' };
        }
        const cacheArgs = cacheOptions.redisUrl
          ? ['--redis-url', cacheOptions.redisUrl, '--cache-prefix', cacheOptions.cachePrefix!]
          : cacheOptions.redisCluster
            ? ['--redis-cluster', cacheOptions.redisCluster.join(','), '--cache-prefix', cacheOptions.cachePrefix!]
            : [];
        return runBin([
          'import',
          '--from',
          kit.from,
          '-d',
          dataSourceFile,
          ...handle.args,
          '--batch-size',
          '2',
          '--express-max-age',
          String(LEGACY_MAX_AGE_MS),
          ...(extra.dryRun ? ['--dry-run'] : []),
          ...cacheArgs,
        ]);
      }

      function account(cookie: string) {
        return request(t.url).get('/account').set('User-Agent', UA).set('Cookie', cookie);
      }

      function expectLegacyCleared(headers: Record<string, unknown>): void {
        const cleared = sessionCookie(headers, 'connect.sid');
        expect(cleared).toBeDefined();
        expect(cleared!.value).toBe('');
        expect(cleared!.attributes['max-age']).toBe('0');
        expect(cleared!.attributes.path).toBe('/');
      }

      function expectSkips(stdout: string, extra: Record<string, number> = {}): void {
        expect(stdout).toMatch(
          new RegExp(`Skipped ${4 + extraSkips.length + sum(extra)} sessions of the ${read()} read:`),
        );
        expect(stdout).toMatch(/^ +1 expired$/m);
        expect(stdout).toMatch(/^ +1 undecodable \(not express-session JSON\)$/m);
        expect(stdout).toMatch(/^ +1 empty \(no data besides the cookie\)$/m);
        expect(stdout).toMatch(/^ +1 unknown user \(no such row in the user table\)$/m);
        if (extraSkips.includes('ended')) expect(stdout).toMatch(/^ +1 ended \(logged out/m);
        if (extra.alreadyImported) {
          expect(stdout).toMatch(new RegExp(`^ +${extra.alreadyImported} already imported`, 'm'));
        }
      }

      it('--dry-run counts what it would import and skip, and writes nothing', async () => {
        const result = await runImport({ dryRun: true });

        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^Dry run: would import 3 sessions from ${kit.from} \\(`));
        expect(result.stdout).toContain('Nothing was written.');
        expectSkips(result.stdout);
        expect(await rows()).toEqual([]);
        if (through === 'bin') expect(result.stderr).toMatch(/Read \d+ sessions?: \d+ to import, \d+ skipped\n/);
      });

      it('imports each live session with its data, expiry and user; IP and User-Agent stay empty', async () => {
        const result = await runImport();

        expect(result.code).toBe(0);
        if (through === 'bin')
          expect(result.stderr).toMatch(new RegExp(`Read ${read()} sessions: 3 imported, ${read() - 3} skipped\n$`));
        expect(result.stdout).toMatch(new RegExp(`^Imported 3 sessions from ${kit.from} \\(`));
        expectSkips(result.stdout);
        // Nothing secret is printed: no session id, no secret.
        for (const cookie of Object.values(cookies)) expect(result.stdout + result.stderr).not.toContain(sidOf(cookie));
        expect(result.stdout + result.stderr).not.toContain(LEGACY_SECRETS[0]);

        const stored = await rows();
        // Three sessions and a receipt for each.
        expect(stored).toHaveLength(6);
        const byDigest = new Map(stored.map((row) => [row.sessionKey, row]));
        const aliceRow = byDigest.get(legacySessionDigest(sidOf(cookies.alice)))!;
        expect(JSON.parse(aliceRow.sessionData)).toEqual({ userId: alice.id, cart: ['book'] });
        expect(Number(aliceRow.userId)).toBe(alice.id);
        expect(aliceRow.ip).toBeNull();
        expect(aliceRow.userAgent).toBeNull();
        expect(Math.abs(aliceRow.expireDate.getTime() - (Date.now() + LEGACY_MAX_AGE_MS))).toBeLessThan(60_000);
        const bobRow = byDigest.get(legacySessionDigest(sidOf(cookies.bob)))!;
        // The remember-me lifetime travels with the data, under the codec's own key.
        expect(JSON.parse(bobRow.sessionData)).toEqual({
          passport: { user: bob.id },
          theme: 'dark',
          _qsessions_max_age: REMEMBER_MS,
        });
        expect(Number(bobRow.userId)).toBe(bob.id);
        expect(Math.abs(bobRow.expireDate.getTime() - (Date.now() + REMEMBER_MS))).toBeLessThan(60_000);
        const anonymousRow = byDigest.get(legacySessionDigest(sidOf(cookies.anonymous)))!;
        expect(JSON.parse(anonymousRow.sessionData)).toEqual({ visits: 3 });
        expect(anonymousRow.userId).toBeNull();
        const receipt = byDigest.get(importReceiptDigest(sidOf(cookies.alice)))!;
        expect(receipt).toMatchObject({ sessionData: '{}', userId: null });
        expect(byDigest.has(legacySessionDigest(sidOf(cookies.ghost)))).toBe(false);
        // Listed for its user already, before its browser comes back.
        expect((await t.sessions.list(alice.id)).map((view) => view.id)).toEqual([aliceRow.sessionKey]);

        if (variant.cache === 'redis') {
          // In the app's Redis cache, in the app's format: its first request will not read the table.
          const redis = await connectRedisCache(testRedisTarget());
          try {
            const keys = new CacheKeys(t.cacheKeyPrefix);
            const [entry] = await redis.entries.getMany([keys.record(aliceRow.sessionKey)]);
            expect(entry).toMatchObject({ d: aliceRow.sessionData });
            // Receipts are never cached: nothing reads them through the cache.
            const receiptKey = keys.record(importReceiptDigest(sidOf(cookies.alice)));
            expect(await redis.entries.getMany([receiptKey])).toEqual([undefined]);
          } finally {
            await redis.close();
          }
        }
      });

      it('the old cookie reaches a guarded route, is moved to a new session cookie and deleted', async () => {
        const res = await account(`connect.sid=${cookies.alice}`).expect(200);

        expect(res.body).toMatchObject({ user: alice.id, data: { userId: alice.id, cart: ['book'] } });
        const issued = sessionCookie(res.headers);
        expect(issued?.value).toMatch(/^[a-z0-9]{32}$/);
        aliceKey = issued!.value;
        expect(Number(issued!.attributes['max-age'])).toBeGreaterThan(LEGACY_MAX_AGE_MS / 1000 - 60);
        expectLegacyCleared(res.headers);
        expect(setCookies(res.headers)).toHaveLength(2);
        // The session is listed for its user, as this request's, with the IP and User-Agent it now records.
        expect(res.body.sessions).toEqual([
          expect.objectContaining({ id: sha256(aliceKey), current: true, ip: '127.0.0.1', userAgent: UA }),
        ]);
        const listed = await t.sessions.list(alice.id);
        expect(listed.map((view) => [view.id, view.ip, view.userAgent])).toEqual([[sha256(aliceKey), '127.0.0.1', UA]]);
        // The imported row is gone (moved to the new key); its receipt stays.
        const stored = new Set((await rows()).map((row) => row.sessionKey));
        expect(stored.has(legacySessionDigest(sidOf(cookies.alice)))).toBe(false);
        expect(stored.has(importReceiptDigest(sidOf(cookies.alice)))).toBe(true);

        // The new cookie alone is the session from now on.
        const next = await account(`sessionid=${aliceKey}`).expect(200);
        expect(next.body.user).toBe(alice.id);
        expect(sessionCookie(next.headers, 'connect.sid')).toBeUndefined();
        // The old cookie was used up: no session, deleted again.
        const replay = await account(`connect.sid=${cookies.alice}`).expect(401);
        expect(sessionCookie(replay.headers)).toBeUndefined();
        expectLegacyCleared(replay.headers);
      });

      it("a passport session is its user's, and a remember-me session keeps its own lifetime", async () => {
        const res = await account(`connect.sid=${cookies.bob}`).expect(200);

        expect(res.body).toMatchObject({ user: bob.id, data: { passport: { user: bob.id }, theme: 'dark' } });
        expect(res.body.maxAge).toBe(REMEMBER_MS);
        const issued = sessionCookie(res.headers)!;
        expect(Math.abs(Number(issued.attributes['max-age']) - REMEMBER_MS / 1000)).toBeLessThan(60);
        expectLegacyCleared(res.headers);
        expect((await t.sessions.list(bob.id)).map((view) => view.id)).toEqual([sha256(issued.value)]);
      });

      it('with a valid session cookie too, that one wins and the old cookie is only deleted', async () => {
        t.queries.reset();
        const res = await account(`sessionid=${aliceKey}; connect.sid=${cookies.anonymous}`).expect(200);

        expect(res.body.user).toBe(alice.id);
        expect(sessionCookie(res.headers)).toBeUndefined();
        expectLegacyCleared(res.headers);
        // The old cookie's session was not looked up (db: the one read is our cookie's), let alone used up.
        // Quoted as the driver quotes: "session_key" (PostgreSQL, SQLite) or `session_key` (MariaDB).
        const lookups = t.queries.reads.filter((query) => /session_key["`] = /.test(query));
        if (variant.engine === 'db') expect(lookups).toHaveLength(1);
        expect((await rows()).some((row) => row.sessionKey === legacySessionDigest(sidOf(cookies.anonymous)))).toBe(
          true,
        );
      });

      it('a forged signature costs no lookup; an unknown session id gets no session; both are deleted', async () => {
        const { sign } = await import('cookie-signature');
        const forged = encodeURIComponent(`s:${sign(sidOf(cookies.anonymous), 'not-the-secret')}`);
        t.queries.reset();
        const refused = await account(`connect.sid=${forged}`).expect(401);
        expect(t.queries.reads).toEqual([]);
        expect(sessionCookie(refused.headers)).toBeUndefined();
        expectLegacyCleared(refused.headers);

        const unsigned = await account(`connect.sid=${encodeURIComponent(sidOf(cookies.anonymous))}`).expect(401);
        expectLegacyCleared(unsigned.headers);

        // Signed with the older secret, for an id that was never imported.
        const unknown = encodeURIComponent(`s:${sign(randomSid(), LEGACY_SECRETS[1]!)}`);
        const missing = await account(`connect.sid=${unknown}`).expect(401);
        expect(sessionCookie(missing.headers)).toBeUndefined();
        expectLegacyCleared(missing.headers);
        // The anonymous session is still there for its own browser.
        expect((await rows()).some((row) => row.sessionKey === legacySessionDigest(sidOf(cookies.anonymous)))).toBe(
          true,
        );
      });

      it('a second import changes nothing and says so; exchanged or revoked sessions do not come back', async () => {
        // Revoked (by an admin) before its browser came back; alice's was exchanged above.
        expect(await t.sessions.revokeById(legacySessionDigest(sidOf(cookies.anonymous)))).toBe(true);
        const before = await rows();

        const result = await runImport();

        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^Imported 0 sessions from ${kit.from} \\(`));
        expectSkips(result.stdout, { alreadyImported: 3 });
        expect(await rows()).toEqual(before);
        await account(`connect.sid=${cookies.alice}`).expect(401);
        await account(`connect.sid=${cookies.anonymous}`).expect(401);
      });

      it('after `until`, the old cookie is ignored: no lookup and no Set-Cookie', async () => {
        // Sessions signed in on the old app meanwhile, imported by a later run.
        const fresh = await legacy.login(alice.id, { data: { cart: ['pen'] } });
        const stale = await legacy.login(bob.id);
        expect((await runImport()).stdout).toMatch(new RegExp(`^Imported 2 sessions from ${kit.from} \\(`));
        const later = await startTestApp(variant, {
          controllers: [ImportTestController, TestController],
          keepSchema: true,
          sqliteFile: variant.database === 'sqlite' ? join(folder, 'app.sqlite') : undefined,
          qsessions: { legacyCookie: { secrets: LEGACY_SECRETS, until: new Date(Date.now() - 1000) } },
        });
        try {
          later.queries.reset();
          const res = await request(later.url).get('/account').set('Cookie', `connect.sid=${fresh}`).expect(401);
          expect(later.queries.queries).toEqual([]);
          expect(res.headers['set-cookie']).toBeUndefined();
        } finally {
          await later.close();
        }
        // The same cookie, before the cut-off (the first app): it was a good one.
        const before = await account(`connect.sid=${fresh}`).expect(200);
        expect(before.body.data).toEqual({ userId: alice.id, cart: ['pen'] });

        if (variant.engine === 'db') {
          // An imported session past its expiry (the row's own): no session, the old cookie deleted.
          await t.dataSource
            .getRepository(QSession)
            .update({ sessionKey: legacySessionDigest(sidOf(stale)) }, { expireDate: new Date(Date.now() - 1000) });
          const expired = await account(`connect.sid=${stale}`).expect(401);
          expect(sessionCookie(expired.headers)).toBeUndefined();
          expectLegacyCleared(expired.headers);
        }
      });
    },
  );
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, count) => total + count, 0);
}
