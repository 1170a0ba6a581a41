#!/usr/bin/env node
// The `qsessions` bin (package.json "bin"). All the work is in runQSessionsCli; this file only
// ties it to the process: signals, and the exit code.
import { processIo } from './cli-io.js';
import { runQSessionsCli } from './run-cli.js';

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
// After the first Ctrl-C, how long the command has to clean up (temporary files) before we go.
const INTERRUPT_GRACE_MS = 2000;

const controller = new AbortController();
let interrupted: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second signal: stop now. The first lets the command clean up.
    if (interrupted !== undefined) process.exit(interrupted);
    interrupted = SIGNAL_EXIT_CODES[signal];
    controller.abort();
    setTimeout(() => process.exit(interrupted), INTERRUPT_GRACE_MS).unref();
  });
}

const code = await runQSessionsCli(process.argv.slice(2), processIo(controller.signal));
// Exit as soon as the output is out: a data source file, a database driver or a Redis client
// may leave a timer or socket behind, and cron must not wait for it.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))));
process.exit(interrupted ?? code);
