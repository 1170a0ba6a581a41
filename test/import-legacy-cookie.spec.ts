import { createHmac } from 'node:crypto';
import { sign } from 'cookie-signature';
import { clearLegacyCookie } from '../lib/session/cookie-policy.js';
import { unsignLegacyCookie } from '../lib/session/legacy-cookie.js';
import { importReceiptDigest, legacySessionDigest } from '../lib/session/legacy-session-id.js';
import { generateSessionKey, digestSessionKey } from '../lib/session/session-key.js';
import { QSessionsConfigError } from '../lib/options/qsessions-config.error.js';
import { resolveOptions } from '../lib/options/resolve-options.js';
import type { QSessionsModuleOptions } from '../lib/qsessions.options.js';

const UNTIL = '2027-03-01T00:00:00Z';
const SECRET = 'keyboard cat';

function problemsOf(options: unknown): readonly string[] {
  try {
    resolveOptions(options as QSessionsModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(QSessionsConfigError);
    return (error as QSessionsConfigError).problems;
  }
  throw new Error(`resolveOptions accepted ${JSON.stringify(options)}`);
}

describe('legacyCookie option', () => {
  it('is off by default', () => {
    expect(resolveOptions({}).legacyCookie).toBeNull();
  });

  it("fills in express-session's defaults, takes one secret or several, and a Date or an ISO string", () => {
    expect(resolveOptions({ legacyCookie: { secrets: SECRET, until: UNTIL } }).legacyCookie).toEqual({
      name: 'connect.sid',
      secrets: [SECRET],
      until: Date.parse(UNTIL),
      path: '/',
      domain: undefined,
    });
    const custom = resolveOptions({
      cookie: { name: 'sid' },
      legacyCookie: {
        name: 'app.sid',
        secrets: ['new', 'old'],
        until: new Date(UNTIL),
        path: '/app',
        domain: 'example.com',
      },
    }).legacyCookie;
    expect(custom).toEqual({
      name: 'app.sid',
      secrets: ['new', 'old'],
      until: Date.parse(UNTIL),
      path: '/app',
      domain: 'example.com',
    });
  });

  it('accepts a cut-off in the past (the option then does nothing)', () => {
    expect(resolveOptions({ legacyCookie: { secrets: SECRET, until: new Date(0) } }).legacyCookie?.until).toBe(0);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'connect.sid', /`legacyCookie` must be an object, for example/],
    ['no secrets', { until: UNTIL }, /`legacyCookie\.secrets` must be express-session's `secret`/],
    ['an empty secret', { secrets: '', until: UNTIL }, /`legacyCookie\.secrets`/],
    ['an empty list of secrets', { secrets: [], until: UNTIL }, /`legacyCookie\.secrets`/],
    ['a list with an empty secret', { secrets: ['ok', ''], until: UNTIL }, /`legacyCookie\.secrets`/],
    ['a secret that is not a string', { secrets: [42], until: UNTIL }, /`legacyCookie\.secrets`/],
    ['no cut-off', { secrets: SECRET }, /`legacyCookie\.until` must be the cut-off/],
    [
      'an invalid date',
      { secrets: SECRET, until: new Date('nope') },
      /`legacyCookie\.until`.*a valid Date or an ISO 8601/,
    ],
    ['an unparsable string', { secrets: SECRET, until: 'next spring' }, /`legacyCookie\.until`/],
    ['a number of ms', { secrets: SECRET, until: 1_800_000_000_000 }, /`legacyCookie\.until`/],
    [
      'a bad name',
      { name: 'connect sid', secrets: SECRET, until: UNTIL },
      /`legacyCookie\.name` "connect sid" is not a valid cookie name/,
    ],
    [
      'a bad path',
      { secrets: SECRET, until: UNTIL, path: 'app' },
      /`legacyCookie\.path` must be the old cookie's path/,
    ],
    ['a bad domain', { secrets: SECRET, until: UNTIL, domain: 'exa mple.com' }, /`legacyCookie\.domain`/],
    [
      'an unknown key',
      { secrets: SECRET, until: UNTIL, secret: SECRET },
      /unknown option `legacyCookie\.secret`; did you mean `legacyCookie\.secrets`\?/,
    ],
  ];
  it.each(cases)('refuses %s, saying how to fix it', (_, legacyCookie, message) => {
    const problems = problemsOf({ legacyCookie });
    expect(problems.some((problem) => message.test(problem))).toBe(true);
  });

  it('refuses the session cookie name as the old one (the new cookie would be deleted)', () => {
    const problems = problemsOf({ cookie: { name: 'connect.sid' }, legacyCookie: { secrets: SECRET, until: UNTIL } });
    expect(problems).toEqual([
      expect.stringMatching(/`legacyCookie\.name` and `cookie\.name` are both "connect\.sid"/),
    ]);
  });

  it('never repeats a secret in its messages', () => {
    const secret = 'super-secret-value';
    const problems = problemsOf({ legacyCookie: { secrets: [secret, ''], until: 'soon', bogus: 1 } });
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('is suggested for a near miss', () => {
    expect(problemsOf({ legacyCookies: {} })[0]).toBe('unknown option `legacyCookies`; did you mean `legacyCookie`?');
  });
});

describe('unsignLegacyCookie (express-session cookies, cookie-signature HMAC-SHA256)', () => {
  const sid = 'Yl3k5cJq0yXf8_h3B1v2wPq9zK4mN6tR';
  // What express-session puts in the cookie, written out by hand: "s:" + sid + "." + base64(HMAC-SHA256), unpadded.
  const byHand = `s:${sid}.${createHmac('sha256', SECRET).update(sid).digest('base64').replace(/=+$/, '')}`;

  it('reads the id from a cookie signed as express-session signs it', () => {
    expect(`s:${sign(sid, SECRET)}`).toBe(byHand);
    expect(unsignLegacyCookie(byHand, [SECRET])).toBe(sid);
  });

  it('accepts any of the secrets, as express-session does after a secret rotation', () => {
    expect(unsignLegacyCookie(`s:${sign(sid, 'old')}`, ['new', 'old'])).toBe(sid);
    expect(unsignLegacyCookie(`s:${sign(sid, 'new')}`, ['new', 'old'])).toBe(sid);
  });

  it('refuses a forged or tampered signature, another id under a valid signature, and unsigned values', () => {
    expect(unsignLegacyCookie(`s:${sign(sid, 'attacker')}`, [SECRET])).toBeNull();
    expect(unsignLegacyCookie(byHand.slice(0, -1) + (byHand.endsWith('A') ? 'B' : 'A'), [SECRET])).toBeNull();
    const signature = byHand.slice(byHand.lastIndexOf('.'));
    expect(unsignLegacyCookie(`s:other-session-id${signature}`, [SECRET])).toBeNull();
    expect(unsignLegacyCookie(sid, [SECRET])).toBeNull();
    expect(unsignLegacyCookie(byHand.slice(2), [SECRET])).toBeNull();
    expect(unsignLegacyCookie('s:', [SECRET])).toBeNull();
    expect(unsignLegacyCookie('s:no-dot-at-all', [SECRET])).toBeNull();
    expect(unsignLegacyCookie(`s:${sign('', SECRET)}`, [SECRET])).toBeNull();
  });
});

describe('ids of imported sessions', () => {
  it('can never be the digest of a session key, nor of each other', () => {
    const sid = 'abcdefghijklmnopqrstuvwxyz012345';
    expect(legacySessionDigest(sid)).toMatch(/^[0-9a-f]{64}$/);
    // Even an express-session id shaped like one of our keys gets another digest.
    expect(legacySessionDigest(sid)).not.toBe(digestSessionKey(sid));
    expect(importReceiptDigest(sid)).not.toBe(legacySessionDigest(sid));
    expect(legacySessionDigest(generateSessionKey())).not.toBe(legacySessionDigest(generateSessionKey()));
  });
});

describe('clearLegacyCookie', () => {
  it('deletes the old cookie under its own name, path and domain', () => {
    const legacy = { name: 'connect.sid', secrets: [SECRET], until: 0, path: '/app', domain: 'example.com' };
    expect(clearLegacyCookie(legacy, true)).toBe(
      'connect.sid=; Max-Age=0; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure',
    );
    expect(clearLegacyCookie({ ...legacy, path: '/', domain: undefined }, false)).toBe(
      'connect.sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly',
    );
  });
});
