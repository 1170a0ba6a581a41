import {
  cpuSecondsBetween,
  parseProcStat,
  parseProcStatus,
  readCpuTicks,
  readResidentMemory,
  resetPeakRss,
} from '../measure/proc-stats.js';

// The benchmark's /proc readers (bench/measure/proc-stats.ts).

/** A /proc/<pid>/stat line: pid, (comm), then fields 3..52; utime=field 14, stime=field 15. */
function statLine(comm: string, utime: number, stime: number): string {
  const fields = ['S', '1', '12', '12', '0', '-1', '4194304', '100', '0', '0', '0', String(utime), String(stime)];
  return `4242 (${comm}) ${fields.join(' ')} 0 0 20 0 11 0 123456 1000000 5000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;
}

describe('bench /proc parsing', () => {
  it('reads utime and stime (fields 14 and 15)', () => {
    expect(parseProcStat(statLine('node', 1234, 56))).toEqual({ user: 1234, system: 56 });
  });

  it('counts fields after the last parenthesis, whatever the command name holds', () => {
    expect(parseProcStat(statLine('we(ird) name) 1 2 3', 7, 8))).toEqual({ user: 7, system: 8 });
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/no command name/);
    expect(() => parseProcStat('1 (node) S 1')).toThrow(/utime/);
  });

  it('reads VmRSS and VmHWM in bytes from /proc/<pid>/status (the kernel writes KiB as kB)', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  235904 kB\nVmRSS:\t   41028 kB\nThreads:\t11\n';
    expect(parseProcStatus(status)).toEqual({ rssBytes: 41028 * 1024, peakRssBytes: 235904 * 1024 });
    expect(() => parseProcStatus('Name:\tnode\n')).toThrow(/VmRSS/);
  });

  it('turns clock ticks into CPU seconds', () => {
    expect(cpuSecondsBetween({ user: 100, system: 50 }, { user: 350, system: 100 }, 100)).toBeCloseTo(3);
  });

  const onLinux = process.platform === 'linux' ? it : it.skip;

  onLinux('reads this process: CPU ticks grow, the peak is at least the current RSS', () => {
    const before = readCpuTicks(process.pid);
    const end = Date.now() + 50;
    while (Date.now() < end); // burn a little CPU
    const after = readCpuTicks(process.pid);
    expect(after.user + after.system).toBeGreaterThanOrEqual(before.user + before.system);
    const memory = readResidentMemory(process.pid);
    expect(memory.rssBytes).toBeGreaterThan(0);
    expect(memory.peakRssBytes).toBeGreaterThanOrEqual(memory.rssBytes);
  });

  onLinux('resets the peak RSS when the kernel allows it, and says false rather than throwing when not', () => {
    const reset = resetPeakRss(process.pid);
    expect(typeof reset).toBe('boolean');
    expect(resetPeakRss(2 ** 22 + 12345)).toBe(false); // no such process
  });
});
