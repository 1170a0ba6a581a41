import { SessionReadBatch, type SessionReadSource } from '../lib/session/session-read-batch.js';
import type { SessionRecord } from '../lib/session/session-record.js';

// The batching of session reads on its own, over a source that keeps rows in a Map and records
// each round trip it is asked for. The same batching on the real databases is in
// test/session-read-batch.e2e.spec.ts.

interface Row {
  data: string;
  expiresAt: number;
}

class MapSource implements SessionReadSource<Row> {
  readonly calls: Array<{ digests: string[]; now: number }> = [];
  failWith: Error | undefined;

  constructor(readonly rows: Map<string, Row>) {}

  async readMany(digests: string[], now: Date): Promise<Map<string, Row>> {
    this.calls.push({ digests, now: now.getTime() });
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (this.failWith) throw this.failWith;
    const live = new Map<string, Row>();
    for (const digest of digests) {
      const row = this.rows.get(digest);
      if (row && row.expiresAt > now.getTime()) live.set(digest, row);
    }
    return live;
  }

  build(digest: string, row: Row): SessionRecord {
    const at = new Date(0);
    return {
      digest,
      data: row.data,
      userId: null,
      ip: null,
      userAgent: null,
      expireDate: new Date(row.expiresAt),
      createdAt: at,
      updatedAt: at,
      reauthenticatedAt: null,
      label: null,
      clientHints: null,
    };
  }
}

const T = 1_000_000;
const at = (ms: number) => new Date(T + ms);

function source(count: number, expiresAt = T + 60_000): MapSource {
  return new MapSource(new Map(Array.from({ length: count }, (_, i) => [`d${i}`, { data: `data ${i}`, expiresAt }])));
}

describe('SessionReadBatch', () => {
  it('serves the reads of one turn with one round trip, each with its own row', async () => {
    const rows = source(5);
    const batch = new SessionReadBatch(rows, 64);
    const records = await Promise.all(['d3', 'd0', 'missing', 'd4'].map((digest) => batch.read(digest, at(0))));
    expect(rows.calls).toHaveLength(1);
    expect(rows.calls[0]!.digests).toEqual(['d3', 'd0', 'missing', 'd4']);
    expect(records.map((record) => record?.data ?? null)).toEqual(['data 3', 'data 0', null, 'data 4']);
  });

  it('sends reads of later turns in later round trips', async () => {
    const rows = source(3);
    const batch = new SessionReadBatch(rows, 64);
    expect((await batch.read('d0', at(0)))?.data).toBe('data 0');
    expect((await batch.read('d1', at(0)))?.data).toBe('data 1');
    const third = batch.read('d2', at(0));
    await new Promise((resolve) => setImmediate(resolve));
    const fourth = batch.read('d0', at(0));
    await Promise.all([third, fourth]);
    expect(rows.calls.map((call) => call.digests)).toEqual([['d0'], ['d1'], ['d2'], ['d0']]);
  });

  it('looks a digest up once per batch, and gives each read its own record', async () => {
    const rows = source(2);
    const batch = new SessionReadBatch(rows, 64);
    const [a, b, c] = await Promise.all([batch.read('d1', at(0)), batch.read('d1', at(0)), batch.read('d0', at(0))]);
    expect(rows.calls[0]!.digests).toEqual(['d1', 'd0']);
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(a!.expireDate).not.toBe(b!.expireDate);
    expect(c?.data).toBe('data 0');
  });

  it('splits a turn into statements of at most maxBatch distinct digests', async () => {
    const rows = source(10);
    const batch = new SessionReadBatch(rows, 4);
    const digests = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const records = await Promise.all([...digests, 'd0'].map((digest) => batch.read(digest, at(0))));
    expect(rows.calls.map((call) => call.digests.length)).toEqual([4, 4, 2]);
    expect(records.every((record) => record !== null)).toBe(true);
  });

  it('asks for rows live at the earliest time of the batch, and answers each read at its own time', async () => {
    // d0 expires at T+100: live for a read made at T+50, expired for one made at T+150.
    const rows = new MapSource(new Map([['d0', { data: 'short', expiresAt: T + 100 }]]));
    const batch = new SessionReadBatch(rows, 64);
    const [later, earlier, exact] = await Promise.all([
      batch.read('d0', at(150)),
      batch.read('d0', at(50)),
      batch.read('d0', at(100)),
    ]);
    expect(rows.calls).toEqual([{ digests: ['d0'], now: T + 50 }]);
    expect(earlier?.data).toBe('short');
    expect(later).toBeNull();
    // Expiring exactly now is expired, as the statement's `expire_date > now` says.
    expect(exact).toBeNull();
  });

  it('fails every read of a failed round trip with its error, and the next turn carries on', async () => {
    const rows = source(2);
    const batch = new SessionReadBatch(rows, 64);
    const failure = new Error('connection refused');
    rows.failWith = failure;
    const results = await Promise.allSettled([batch.read('d0', at(0)), batch.read('d1', at(0))]);
    expect(results).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    rows.failWith = undefined;
    expect((await batch.read('d1', at(0)))?.data).toBe('data 1');
  });

  it('rejects a read whose row cannot be built, and only that read', async () => {
    const rows = source(2);
    const build = rows.build.bind(rows);
    rows.build = (digest, row) => {
      if (digest === 'd1') throw new Error('unreadable row');
      return build(digest, row);
    };
    const batch = new SessionReadBatch(rows, 64);
    const [ok, bad] = await Promise.allSettled([batch.read('d0', at(0)), batch.read('d1', at(0))]);
    expect(ok).toMatchObject({ status: 'fulfilled', value: { data: 'data 0' } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'unreadable row' } });
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxBatch %p', (maxBatch) => {
    expect(() => new SessionReadBatch(source(0), maxBatch)).toThrow(RangeError);
  });
});
