import { runQSessionsCli, type CliIo } from '../lib/cli/index.js';

// `qsessions import` usage errors, in this process: each is refused before anything is opened.

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

async function run(args: string[]) {
  const io = capture();
  const code = await runQSessionsCli(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('qsessions import: usage', () => {
  it('is listed by --help and has its own help', async () => {
    expect((await run(['--help'])).stdout).toMatch(/^ {2}import {14}Import sessions from an express-session store/m);
    const help = await run(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: qsessions import --from <store> -d <data-source-file> [options]');
    expect(help.stdout).toContain('--dry-run');
  });

  it.each<[string, string[], RegExp]>([
    [
      'no --from',
      ['-d', 'x.js'],
      /Give the store to import from with --from: connect-redis, connect-pg-simple, connect-typeorm\./,
    ],
    ['an unknown store', ['--from', 'connect-mongo', '-d', 'x.js'], /\(not "connect-mongo"\)/],
    ['no data source file', ['--from', 'connect-typeorm'], /Give your TypeORM data source file with -d/],
    [
      'a bad --batch-size',
      ['--from', 'connect-typeorm', '-d', 'x.js', '--batch-size', '1e3'],
      /--batch-size must be a whole number/,
    ],
    [
      'a zero --batch-size',
      ['--from', 'connect-typeorm', '-d', 'x.js', '--batch-size', '0'],
      /batch size must be a whole number from 1/,
    ],
    [
      'a prefix for another store',
      ['--from', 'connect-pg-simple', '-d', 'x.js', '--prefix', 'x:'],
      /key prefix applies to connect-redis only/,
    ],
    [
      'a table for Redis',
      ['--from', 'connect-redis', '-d', 'x.js', '--table', 't'],
      /table applies to connect-pg-simple and connect-typeorm only/,
    ],
    [
      'Redis without its URL',
      ['--from', 'connect-redis', '-d', 'x.js'],
      /Give the Redis URL of the express-session app's connect-redis store/,
    ],
    [
      'Redis by URL and by cluster at once',
      ['--from', 'connect-redis', '-d', 'x.js', '--source-url', 'redis://h', '--source-cluster', 'h:7001'],
      /or the nodes of its Redis Cluster, one of the two/,
    ],
    [
      'a source cluster node without a port',
      ['--from', 'connect-redis', '-d', 'x.js', '--source-cluster', 'h:7001,h'],
      /The source cluster must list nodes as host:port/,
    ],
    [
      'a source cluster for another store',
      ['--from', 'connect-typeorm', '-d', 'x.js', '--source-cluster', 'h:7001'],
      /source cluster applies to connect-redis only/,
    ],
    [
      'two session caches',
      ['--from', 'connect-typeorm', '-d', 'x.js', '--redis-url', 'redis://h', '--redis-cluster', 'h:7001'],
      /Give one session cache/,
    ],
    [
      'a cache prefix without a cache',
      ['--from', 'connect-typeorm', '-d', 'x.js', '--cache-prefix', 'q:'],
      /cache prefix applies to the session cache/,
    ],
    ['a positional argument', ['--from', 'connect-typeorm', '-d', 'x.js', 'extra'], /takes only options/],
    [
      'a too small --express-max-age',
      ['--from', 'connect-typeorm', '-d', 'x.js', '--express-max-age', '10'],
      /express-session maxAge \(ms\) must be a whole number of at least 1000/,
    ],
  ])('refuses %s (exit 2, with the usage)', async (_, args, message) => {
    const result = await run(['import', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage: qsessions import');
    expect(result.stdout).toBe('');
  });

  it('never prints a password given in a URL, even in a parse error', async () => {
    const result = await run([
      'import',
      '--from',
      'connect-redis',
      '--source-url',
      'redis://:hunter2@h:6379',
      '--bogus',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('hunter2');
  });
});
