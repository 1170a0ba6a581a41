/** A stream the commands write text to: process.stdout / process.stderr fit. */
export interface TextOutput {
  write(text: string): unknown;
  /** True when the stream is a terminal: progress then redraws one line instead of adding lines. */
  isTTY?: boolean;
}

/**
 * What a command may touch of its process, passed in so that the exported functions can run
 * inside a test or another program: results go to `stdout`, progress and errors to `stderr`,
 * and defaults are read from `env` (never from `process.env` directly).
 */
export interface CliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  env: NodeJS.ProcessEnv;
  /** Aborted when the command should stop early (Ctrl-C): downloads stop and clean up. */
  signal?: AbortSignal;
}

/** The real process: its standard streams and environment. */
export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signal };
}
