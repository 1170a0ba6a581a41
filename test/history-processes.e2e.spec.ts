import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSampleApp } from './support/cli-build.js';
import { MailCatcher, notMeLinkOf } from './support/mail-catcher.js';
import { caches, databases } from './support/matrix.js';
import { sampleEnv } from './support/sample-app.js';
import { activityOf, Browser } from './support/sample-browser.js';
import { startSampleProcess, type SampleProcess } from './support/sample-process.js';

// The sign-in history and its "This wasn't me" links across two real app processes (the compiled
// sample app) sharing one database (and Redis where the matrix has it), and across a restart: a
// sign-in on one process is compared with one made on the other, the alert's link is used on the
// other process, and after both stop, a new process shows the whole story.

const engine = caches.includes('redis') ? 'cached_db' : 'db';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe.each(databases)('history across two processes and a restart on %s', (database) => {
  let folder: string;
  let catcher: MailCatcher;
  let env: Record<string, string>;
  const running: SampleProcess[] = [];

  beforeAll(async () => {
    await buildSampleApp();
    folder = mkdtempSync(join(tmpdir(), 'qsessions-history-'));
    catcher = await new MailCatcher().start();
    env = sampleEnv(database, engine === 'cached_db' ? 'redis' : 'memory', {
      SAMPLE_ENGINE: engine,
      SAMPLE_SMTP_URL: catcher.url,
      // One secret for every process (and the restarted one), as behind a load balancer.
      SAMPLE_CSRF_SECRET: 'history-across-processes-csrf-secret',
      ...(database === 'sqlite' && { SAMPLE_SQLITE_PATH: join(folder, 'history.db') }),
    });
  }, 300_000);
  afterAll(async () => {
    await Promise.all(running.map((process) => process.stop()));
    await catcher?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  async function start(reset: boolean): Promise<SampleProcess> {
    const process = await startSampleProcess({ ...env, SAMPLE_RESET: reset ? '1' : '0' });
    running.push(process);
    return process;
  }

  it('compares sign-ins made on either process, takes the link on the other, and keeps it all after a restart', async () => {
    const first = await start(true);
    const second = await start(false);

    const windows = new Browser(first.url, CHROME_WINDOWS, '89.160.20.112');
    await windows.signIn('alice');
    const iphone = new Browser(second.url, SAFARI_IPHONE, '81.2.69.160');
    await iphone.signIn('alice');
    // Made by the second process, from the first one's entry: a new device.
    const mail = await catcher.nth(1);
    const token = notMeLinkOf(mail).searchParams.get('token')!;

    // Used on the first process: the second one's session ends there too.
    const stranger = new Browser(first.url, CHROME_WINDOWS);
    await stranger.get(`/not-me?token=${token}`);
    const csrf = stranger.token;
    const confirmed = await stranger.post('/not-me', { _csrf: csrf, token, scope: 'one' });
    expect(confirmed.status).toBe(200);
    const bounced = await iphone.get('/sessions');
    expect(bounced.headers.location).toBe('/login?ended=revoke-link');

    await Promise.all(running.splice(0).map((process) => process.stop()));
    const restarted = await start(false);
    windows.url = restarted.url;
    const activity = activityOf((await windows.get('/account/activity')).text);
    expect(activity.map((entry) => entry.event)).toEqual(['revoked', 'signed-in', 'signed-in']);
    expect(activity[1]!.title).toContain('New device');
    expect(activity[0]!.sessionId).toBe(activity[1]!.sessionId);
    // The link was used once, whatever process is asked.
    stranger.url = restarted.url;
    const again = await stranger.post('/not-me', { _csrf: csrf, token, scope: 'all' });
    expect(again.status).toBe(410);
  });
});
