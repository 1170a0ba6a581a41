import { passwordOf, safeMessage } from '../lib/health/safe-message.js';

// What the health check says about an error is readable by whoever reaches the health endpoint:
// the error's words stay, the connections' passwords do not.

describe('health check error messages', () => {
  it('takes out the given secrets, as given and URL-encoded', () => {
    const secrets = passwordOf('postgres://app:p%40ss w0rd@db.internal:5432/app');
    expect(secrets).toEqual(['p@ss w0rd']);
    const error = new Error('password authentication failed (p@ss w0rd) for p%40ss%20w0rd');
    expect(safeMessage(error, secrets)).toBe('password authentication failed (...) for ...');
  });

  it('takes out the password of any URL in the message', () => {
    expect(safeMessage(new Error('connect to redis://:hunter2@cache:6379 failed'), [])).toBe(
      'connect to redis://:...@cache:6379 failed',
    );
    expect(safeMessage('getaddrinfo ENOTFOUND postgres://app:secret@db/app', [])).toBe(
      'getaddrinfo ENOTFOUND postgres://app:...@db/app',
    );
  });

  it('keeps a message without secrets as it is, and names an error without one', () => {
    expect(safeMessage(new Error('connect ECONNREFUSED 127.0.0.1:6379'), [])).toBe(
      'connect ECONNREFUSED 127.0.0.1:6379',
    );
    expect(safeMessage(new TypeError(''), [])).toBe('TypeError');
    expect(passwordOf('redis://127.0.0.1:6379')).toEqual([]);
    expect(passwordOf(undefined)).toEqual([]);
  });
});
