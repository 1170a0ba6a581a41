import type { ChildProcess } from 'node:child_process';

// Every child process the benchmark starts, until it exits: an interrupted or failed run kills
// them all, so that no app keeps a port, a database connection or a CPU.

const running = new Set<ChildProcess>();

export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** SIGKILLs every tracked child still running (synchronous: usable in signal and exit handlers). */
export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
