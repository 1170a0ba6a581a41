import request from 'supertest';
import { buildSampleApp } from './support/cli-build.js';
import { caches, databases } from './support/matrix.js';
import { sampleEnv } from './support/sample-app.js';
import { Browser } from './support/sample-browser.js';
import { startSampleProcess, type SampleProcess } from './support/sample-process.js';

// The compiled sample app in its own process with SAMPLE_METRICS=1, as `npm run sample` runs it:
// real traffic over HTTP, then its /metrics scraped as Prometheus would, and the counters'
// lines compared with what the traffic did.

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** One sample of the exposition text: its metric name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of Prometheus's text format (comments and blank lines left out). */
function parseExposition(body: string): Sample[] {
  return body
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const found = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!found) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(found[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: found[1]!, labels, value: Number(found[3]) };
    });
}

/** The sum of the samples of `name` whose labels include `where`. */
function valueOf(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) => sample.name === name && Object.entries(where).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

describe.each(databases.flatMap((database) => caches.map((cache) => ({ database, cache }))))(
  'the sample app’s /metrics on $database + $cache cache',
  ({ database, cache }) => {
    let sample: SampleProcess;

    beforeAll(async () => {
      await buildSampleApp();
      sample = await startSampleProcess(sampleEnv(database, cache, { SAMPLE_METRICS: '1' }));
    }, 300_000);
    afterAll(() => sample?.stop());

    async function scrape(): Promise<Sample[]> {
      const response = await request(sample.url).get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.headers['set-cookie']).toBeUndefined();
      return parseExposition(response.text);
    }

    it('moves the session, cache and store metrics by what real traffic did', async () => {
      const before = await scrape();
      const windows = new Browser(sample.url, CHROME_WINDOWS, '89.160.20.112');
      await windows.signIn('alice');
      const iphone = new Browser(sample.url, SAFARI_IPHONE, '81.2.69.160');
      await iphone.signIn('alice');
      for (let page = 0; page < 3; page++) await windows.sessionsPage();
      const revoked = await windows.post(`/sessions/${iphone.sessionId}/revoke`, { _csrf: windows.token });
      expect(revoked.status).toBe(303);
      await windows.sessionsPage();
      const out = await windows.post('/logout', { _csrf: windows.token });
      expect(out.status).toBe(303);
      const after = await scrape();

      const moved = (name: string, where?: Record<string, string>) =>
        valueOf(after, name, where) - valueOf(before, name, where);
      expect(moved('qsessions_sessions_created_total')).toBe(2);
      expect(moved('qsessions_sessions_rotated_total')).toBe(0);
      expect(moved('qsessions_sessions_revoked_total', { reason: 'revoke' })).toBe(1);
      expect(moved('qsessions_sessions_revoked_total', { reason: 'logout' })).toBe(1);
      expect(moved('qsessions_sessions_revoked_total')).toBe(2);
      // Each signed-in page read the session from the cache (cached_db, the sample's default),
      // and every read of the store was one lookup of the cache: a hit or a miss.
      const reads = moved('qsessions_store_duration_count', { operation: 'get', engine: 'cached_db' });
      expect(moved('qsessions_cache_hits_total')).toBeGreaterThanOrEqual(4);
      expect(moved('qsessions_cache_hits_total') + moved('qsessions_cache_misses_total')).toBe(reads);
      expect(moved('qsessions_store_duration_count', { operation: 'get', engine: 'cached_db' })).toBeGreaterThanOrEqual(
        4,
      );
      expect(moved('qsessions_store_duration_count', { operation: 'create', engine: 'cached_db' })).toBe(2);
      // The instrumentation scope says whose metrics these are.
      const created = after.find((sample) => sample.name === 'qsessions_sessions_created_total')!;
      expect(created.labels).toMatchObject({ otel_scope_name: 'nest-qsessions' });
    });
  },
);
