import { scenarioRequests } from '../measure/load.js';
import { cookiePair } from '../measure/login-cookies.js';
import { BenchUsageError, DEFAULT_CONNECTIONS, parseBenchOptions } from '../options.js';
import { SCENARIOS } from '../scenarios.js';
import { VARIANTS } from '../variants.js';

// The benchmark's command line, the cookie it sends back and the request shapes of each scenario.

describe('bench options', () => {
  it('defaults: 10 s measured after 2 s warm-up, 3 rounds, every variant and scenario, the scale part', () => {
    const options = parseBenchOptions([]);
    expect(options).toMatchObject({
      duration: 10,
      warmup: 2,
      rounds: 3,
      connections: DEFAULT_CONNECTIONS,
      smoke: false,
      skipScale: false,
    });
    expect(options.variants).toEqual(VARIANTS);
    expect(options.scenarios).toEqual(SCENARIOS);
  });

  it('--smoke: 1 s + 4 s, one round, never the scale part; explicit values still win', () => {
    expect(parseBenchOptions(['--smoke'])).toMatchObject({ duration: 4, warmup: 1, rounds: 1, skipScale: true });
    expect(parseBenchOptions(['--smoke', '--duration', '2'])).toMatchObject({ duration: 2, rounds: 1 });
  });

  it('subsets keep the run order and always include the baseline', () => {
    const options = parseBenchOptions(['--variants', 'connect-redis,qsessions-db-pg', '--scenarios', 'login,read']);
    expect(options.variants.map((variant) => variant.name)).toEqual(['none', 'connect-redis', 'qsessions-db-pg']);
    expect(options.scenarios.map((scenario) => scenario.name)).toEqual(['read', 'login']);
  });

  it('rejects unknown names, bad numbers and unknown flags with a usage error', () => {
    expect(() => parseBenchOptions(['--variants', 'redis'])).toThrow(/unknown redis/);
    expect(() => parseBenchOptions(['--rounds', '0'])).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(['--duration', 'abc'])).toThrow(/--duration/);
    expect(() => parseBenchOptions(['--fast'])).toThrow(BenchUsageError);
  });
});

describe('bench requests', () => {
  it('sends back the session cookie as name=value', () => {
    const headers = ['other=1; Path=/', 'connect.sid=s%3Aabc.def; Path=/; HttpOnly'];
    expect(cookiePair(headers, 'connect.sid')).toBe('connect.sid=s%3Aabc.def');
    expect(cookiePair(headers, 'sessionid')).toBeUndefined();
    expect(cookiePair(['sessionid=; Max-Age=0'], 'sessionid')).toBeUndefined();
  });

  it('read-ua alternates the User-Agent on every request of a connection, with the same cookie', () => {
    const [first, second, ...rest] = scenarioRequests('read-ua', 'sessionid=k');
    expect(rest).toHaveLength(0);
    expect(first!.headers!['user-agent']).not.toBe(second!.headers!['user-agent']);
    expect(first!.headers!.cookie).toBe('sessionid=k');
    expect(second!.headers!.cookie).toBe('sessionid=k');
  });

  it('login sends no cookie: every request creates a session', () => {
    const [login] = scenarioRequests('login', 'sessionid=k');
    expect(login).toMatchObject({ method: 'POST', path: '/login' });
    expect(login!.headers!.cookie).toBeUndefined();
  });
});
