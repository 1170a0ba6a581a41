import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { buildSampleApp, ROOT } from './support/cli-build.js';
import { caches, databases } from './support/matrix.js';
import { sampleEnv } from './support/sample-app.js';
import { Browser } from './support/sample-browser.js';
import { startSampleProcess, type SampleProcess } from './support/sample-process.js';

// Live revocation between two real app processes (the compiled sample app) sharing PostgreSQL and
// Redis: a session revoked on one closes its WebSocket held by the other, over Redis pub/sub.
// 100 revocations, one at a time; the time from sending the revocation to the close reaching the
// client is measured and written to test-output/live-revocation-report.txt (no time is asserted).

const ROUNDS = 100;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const runs = databases.includes('postgres') && caches.includes('redis');
const suite = runs ? describe : describe.skip;

/** A WebSocket to the sample's /live, resolved once the server follows its session (its first message). */
async function watch(
  url: string,
  key: string,
): Promise<{ closed: Promise<{ code: number; reason: string; at: number }> }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/live`, { headers: { Cookie: `sessionid=${key}` } });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: performance.now() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('error', reject);
    void closed.then((end) => reject(new Error(`closed before watching: ${end.code} ${end.reason}`)));
  });
  return { closed };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

suite('live revocation between two sample app processes (PostgreSQL, Redis)', () => {
  let first: SampleProcess | undefined;
  let second: SampleProcess | undefined;
  const env = (extra: Record<string, string> = {}) =>
    sampleEnv('postgres', 'redis', { SAMPLE_ENGINE: 'cached_db', SAMPLE_MAX_SESSIONS: 'none', ...extra });

  beforeAll(async () => {
    await buildSampleApp();
    first = await startSampleProcess(env());
    second = await startSampleProcess(env({ SAMPLE_RESET: '0' }));
  }, 300_000);
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it(`${ROUNDS} revocations on one process each close the other's socket; p50/p95/p99 reported`, async () => {
    const phone = new Browser(first!.url, SAFARI, '81.2.69.160');
    await phone.signIn('bob');
    await phone.sessionsPage();
    const token = phone.token;
    const timings: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const laptop = new Browser(second!.url, CHROME, '89.160.20.112');
      await laptop.signIn('bob');
      const { closed } = await watch(second!.url, laptop.key!);
      const sent = performance.now();
      const revoked = await phone.post(`/sessions/${laptop.sessionId}/revoke`, { _csrf: token });
      expect(revoked.status).toBe(303);
      const end = await closed;
      expect([end.code, end.reason]).toEqual([4001, 'revoke']);
      timings.push(end.at - sent);
    }
    timings.sort((a, b) => a - b);
    const line = (name: string, value: number) => `${name.padEnd(5)} ${value.toFixed(1)} ms`;
    const report = [
      `Live revocation between two sample app processes (cached_db, PostgreSQL, Redis pub/sub), ${ROUNDS} revocations.`,
      'Time from sending the revocation (POST /sessions/:id/revoke to process 1) to the close (4001) of the',
      "session's WebSocket to process 2 reaching the client.",
      line('p50', percentile(timings, 50)),
      line('p95', percentile(timings, 95)),
      line('p99', percentile(timings, 99)),
      line('max', timings.at(-1)!),
      line('min', timings[0]!),
    ].join('\n');
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    writeFileSync(join(ROOT, 'test-output', 'live-revocation-report.txt'), `${report}\n`);
    console.log(report);
  }, 300_000);
});
