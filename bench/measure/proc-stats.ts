import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

// CPU time and memory of a process, read from Linux's /proc: the app processes are measured from
// the outside, so that measuring costs them nothing.

/** Clock ticks of a process's CPU time, from /proc/<pid>/stat. */
export interface CpuTicks {
  /** Time scheduled in user mode (field 14, utime). */
  user: number;
  /** Time scheduled in kernel mode (field 15, stime). */
  system: number;
}

/**
 * Parses /proc/<pid>/stat. The second field is the command name in parentheses and may itself
 * contain spaces and parentheses, so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): CpuTicks {
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error('not a /proc/<pid>/stat line: no command name');
  // After "pid (comm) " come field 3 (state), 4 (ppid), ... so field n is at index n - 3.
  const fields = text
    .slice(end + 1)
    .trim()
    .split(/\s+/);
  const user = Number(fields[14 - 3]);
  const system = Number(fields[15 - 3]);
  if (!Number.isInteger(user) || !Number.isInteger(system)) {
    throw new Error('not a /proc/<pid>/stat line: utime/stime are not integers');
  }
  return { user, system };
}

/** Resident memory of a process, from /proc/<pid>/status. */
export interface ResidentMemory {
  /** Current resident set (VmRSS). */
  rssBytes: number;
  /** Peak resident set (VmHWM, "high water mark") since start or the last reset. */
  peakRssBytes: number;
}

/** Parses /proc/<pid>/status (lines such as `VmHWM:\t  235904 kB`; the kernel's kB are KiB). */
export function parseProcStatus(text: string): ResidentMemory {
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s*(\\d+)\\s*kB\\s*$`, 'm').exec(text);
    if (!match) throw new Error(`no ${field} line in /proc/<pid>/status`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

export function readCpuTicks(pid: number): CpuTicks {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readResidentMemory(pid: number): ResidentMemory {
  return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** CPU seconds (user + system) between two readings. */
export function cpuSecondsBetween(before: CpuTicks, after: CpuTicks, ticksPerSecond: number): number {
  return (after.user + after.system - before.user - before.system) / ticksPerSecond;
}

/**
 * Resets a process's peak RSS (VmHWM) to its current RSS, by writing 5 to /proc/<pid>/clear_refs
 * (Linux 4.0+). Resolves to false when the kernel or the permissions do not allow it.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EINVAL' || code === 'ENOENT' || code === 'EROFS') {
      return false;
    }
    throw error;
  }
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime (100 on practically every Linux, but asked, not assumed). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}
