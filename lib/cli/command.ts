import type { CliIo } from './cli-io.js';

/** One `qsessions` command. */
export interface QSessionsCommand {
  /** What is typed after `qsessions`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full help text (`qsessions <name> --help`). */
  usage: string;
  /**
   * Runs the command with the arguments after its name; resolves to the exit code. Expected
   * failures are thrown as QSessionsCommandError, whose message is safe to print.
   */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
