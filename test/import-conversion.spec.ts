import { convertExpressSession, type ConversionRules } from '../lib/import/express-session-data.js';
import { emptyImportReport, formatImportReport } from '../lib/import/import-report.js';
import type { LegacySession } from '../lib/import/legacy-session-source.js';
import { defaultUserIdFromSession } from '../lib/options/resolve-options.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const rules: ConversionRules = {
  now: NOW,
  userIdFromSession: defaultUserIdFromSession,
  expressMaxAge: 86_400_000,
  maxDataBytes: 65_536,
  noExpiryLifetime: 86_400_000,
};

function session(payload: unknown, storeExpiry: number | null = NOW + HOUR, ended = false): LegacySession {
  return { sid: 'sid', payload, storeExpiry: storeExpiry === null ? null : new Date(storeExpiry), ended };
}
const cookie = (expires: number | null, originalMaxAge: number | null = 86_400_000) => ({
  originalMaxAge,
  expires: expires === null ? null : new Date(expires).toISOString(),
  httpOnly: true,
  path: '/',
});

describe('convertExpressSession', () => {
  it("keeps the data without the cookie, the owner, and the earlier of the store's and the cookie's expiry", () => {
    const converted = convertExpressSession(
      session(JSON.stringify({ cookie: cookie(NOW + 2 * HOUR), userId: 7, cart: [1] })),
      rules,
    );
    expect(converted).toEqual({
      ok: true,
      data: '{"userId":7,"cart":[1]}',
      expireDate: new Date(NOW + HOUR),
      userId: 7,
    });
    const byCookie = convertExpressSession(session({ cookie: cookie(NOW + 30 * 60_000), a: 1 }), rules);
    expect(byCookie).toMatchObject({ ok: true, expireDate: new Date(NOW + 30 * 60_000), userId: null });
  });

  it('reads passport users, and objects a driver already parsed', () => {
    expect(convertExpressSession(session({ cookie: cookie(null), passport: { user: 'u-1' } }), rules)).toMatchObject({
      ok: true,
      userId: 'u-1',
    });
  });

  it('gives a session without any expiry (browser-session cookie, no TTL) the fallback lifetime', () => {
    expect(convertExpressSession(session({ cookie: cookie(null, null), a: 1 }, null), rules)).toMatchObject({
      ok: true,
      expireDate: new Date(NOW + rules.noExpiryLifetime),
    });
  });

  it('keeps a lifetime other than the app-wide one, in the codec, and only when the app-wide one is known', () => {
    const remember = { cookie: cookie(NOW + HOUR, 30 * 86_400_000), a: 1 };
    expect(convertExpressSession(session(remember), rules)).toMatchObject({
      data: `{"a":1,"_qsessions_max_age":${30 * 86_400_000}}`,
    });
    expect(convertExpressSession(session({ cookie: cookie(NOW + HOUR), a: 1 }), rules)).toMatchObject({
      data: '{"a":1}',
    });
    expect(convertExpressSession(session(remember), { ...rules, expressMaxAge: undefined })).toMatchObject({
      data: '{"a":1}',
    });
    // express-session stores originalMaxAge as expires - now, often a millisecond short: whole
    // seconds are compared and kept, so the app-wide lifetime is not mistaken for another one.
    expect(convertExpressSession(session({ cookie: cookie(NOW + HOUR, 86_399_999), a: 1 }), rules)).toMatchObject({
      data: '{"a":1}',
    });
    const rememberShort = { cookie: cookie(NOW + HOUR, 30 * 86_400_000 - 1), a: 1 };
    expect(convertExpressSession(session(rememberShort), rules)).toMatchObject({
      data: `{"a":1,"_qsessions_max_age":${30 * 86_400_000}}`,
    });
    // Below the codec's one-second minimum: not kept.
    expect(convertExpressSession(session({ cookie: cookie(NOW + HOUR, 500), a: 1 }), rules)).toMatchObject({
      data: '{"a":1}',
    });
  });

  it("drops keys that would shadow req.session's members, as the app does when it reads a row", () => {
    const converted = convertExpressSession(
      session('{"cookie":{},"regenerate":1,"id":"x","_qsessions_max_age":5000,"kept":true}'),
      rules,
    );
    expect(converted).toMatchObject({ ok: true, data: '{"kept":true}' });
  });

  it.each<[string, LegacySession, string]>([
    ['ended in its store', session({ a: 1 }, NOW + HOUR, true), 'ended'],
    ['past its store expiry', session({ a: 1 }, NOW - 1), 'expired'],
    ['past its cookie expiry', session({ cookie: cookie(NOW - 1), a: 1 }, null), 'expired'],
    ['not JSON', session('{"cookie":'), 'undecodable'],
    ['a JSON array', session('[1,2]'), 'undecodable'],
    ['a JSON string', session('"text"'), 'undecodable'],
    ['null', session(null), 'undecodable'],
    ['only its cookie', session({ cookie: cookie(NOW + HOUR) }), 'empty'],
    ['too large', session({ big: 'x'.repeat(70_000) }), 'tooLarge'],
  ])('skips a session %s', (_, legacy, reason) => {
    expect(convertExpressSession(legacy, rules)).toEqual({ ok: false, reason });
  });
});

describe('formatImportReport', () => {
  it('says what was imported, and each reason for skipping with its count', () => {
    const report = emptyImportReport(
      'connect-redis',
      'connect-redis (Redis at redis://h:6379, key prefix "sess:")',
      false,
    );
    Object.assign(report, { read: 1214, imported: 1200 });
    Object.assign(report.skipped, { expired: 12, unknownUser: 2 });
    expect(formatImportReport(report)).toBe(
      'Imported 1200 sessions from connect-redis (Redis at redis://h:6379, key prefix "sess:").\n' +
        'Skipped 14 sessions of the 1214 read:\n' +
        '  12 expired\n' +
        '   2 unknown user (no such row in the user table)\n',
    );
  });

  it('a dry run says that nothing was written; nothing skipped says so', () => {
    const report = {
      ...emptyImportReport('connect-pg-simple', 'connect-pg-simple (table "session")', true),
      read: 1,
      imported: 1,
    };
    expect(formatImportReport(report)).toBe(
      'Dry run: would import 1 session from connect-pg-simple (table "session"). Nothing was written.\n' +
        'Skipped none (1 session read).\n',
    );
  });
});
