import { readFileSync } from 'node:fs';
import { clearExpiredCommand } from './clear-expired.command.js';
import { processIo, type CliIo } from './cli-io.js';
import type { QSessionsCommand } from './command.js';
import { QSessionsCommandError } from './command-error.js';
import { downloadGeoIpDbCommand } from './download-geoip-db.command.js';
import { importCommand } from './import.command.js';

const COMMANDS: readonly QSessionsCommand[] = [downloadGeoIpDbCommand, clearExpiredCommand, importCommand];

const USAGE = `Usage: qsessions <command> [options]

Maintenance commands of nest-qsessions.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(20)}${command.summary}`).join('\n')}

Options:
  -h, --help          Show this help; \`qsessions <command> --help\` shows a command's options.
  --version           Show the version of nest-qsessions.
`;

/**
 * Runs the `qsessions` command line (`argv` without the `node` and script parts) and resolves
 * to its exit code: 0 success, 1 failure, 2 usage error (unknown command or option: the usage is
 * printed to stderr). Never throws and never exits the process: the bin does that.
 */
export async function runQSessionsCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  const general = answerGeneralOption(name, args, io);
  if (general !== null) return general;
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(
      `${name === undefined ? 'qsessions: no command given.' : `qsessions: unknown command ${JSON.stringify(name)}.`}\n\n${USAGE}`,
    );
    return 2;
  }
  // Help wins over everything else on the line, wherever it is (but not after `--`).
  const beforeDashDash = args.indexOf('--') === -1 ? args : args.slice(0, args.indexOf('--'));
  if (beforeDashDash.includes('--help') || beforeDashDash.includes('-h')) {
    io.stdout.write(command.usage);
    return 0;
  }
  return runCommand(command, args, io);
}

/** `--help`, `help [command]` and `--version` in place of a command: their exit code, or null. */
function answerGeneralOption(name: string | undefined, args: readonly string[], io: CliIo): number | null {
  if (name === '--help' || name === '-h' || name === 'help') {
    const asked = name === 'help' ? COMMANDS.find((command) => command.name === args[0]) : undefined;
    io.stdout.write(asked?.usage ?? USAGE);
    return 0;
  }
  if (name === '--version') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  return null;
}

/** Runs one command, turning what it throws into a message and an exit code. */
async function runCommand(command: (typeof COMMANDS)[number], args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof QSessionsCommandError) {
      io.stderr.write(`qsessions ${command.name}: ${error.message}\n`);
      if (error.exitCode === 2) io.stderr.write(`\n${command.usage}`);
      return error.exitCode;
    }
    io.stderr.write(`qsessions ${command.name}: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

/** The version in package.json (two folders up from both lib/cli and dist/cli). */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
