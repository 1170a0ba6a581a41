/**
 * An expected failure of a `qsessions` command: a bad argument, a refused licence key, a
 * download that broke, a data source file that cannot be used. The message says what went
 * wrong and how to fix it, and never contains a secret (licence key, Redis password). The
 * command line prints the message alone (no stack) and exits with {@link exitCode}.
 */
export class QSessionsCommandError extends Error {
  constructor(
    message: string,
    /** 2 for a usage error (bad or missing arguments), 1 for anything else. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'QSessionsCommandError';
  }
}

/** A usage error: the command line was wrong (exit code 2, and the command's usage is printed). */
export function usageError(message: string): QSessionsCommandError {
  return new QSessionsCommandError(message, 2);
}
