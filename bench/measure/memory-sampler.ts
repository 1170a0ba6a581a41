import type { MemorySample } from '../scale/scale-result.js';

/** Samples this process's RSS and heap every `intervalMs` while an operation runs. */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(private readonly intervalMs = 100) {}

  start(): void {
    this.startedAt = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): MemorySample[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.samples;
  }

  /** The largest RSS seen. */
  peakRssBytes(): number {
    return Math.max(0, ...this.samples.map((sample) => sample.rssBytes));
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.samples.push({
      atMs: Math.round(performance.now() - this.startedAt),
      rssBytes: usage.rss,
      heapUsedBytes: usage.heapUsed,
    });
  }
}
