import type { TextOutput } from '../cli-io.js';

/** How often progress is shown: redrawn in place on a terminal, as new lines otherwise (logs, cron mail). */
const TTY_INTERVAL_MS = 200;
const LINE_INTERVAL_MS = 2000;

/**
 * Shows how much of a download has arrived, as bytes and (when the server sent a length) a
 * percentage: "GeoLite2-City: 12.3 MB of 45.6 MB (27%)". Throttled, so that a fast download
 * writes a few lines and not one per network chunk; the final state is always shown.
 */
export class DownloadProgress {
  private lastShownAt = Number.NEGATIVE_INFINITY;
  private bytes = 0;
  private shownBytes = -1;
  private finished = false;

  constructor(
    private readonly output: TextOutput,
    /** What is being downloaded, e.g. the edition name. */
    private readonly label: string,
    /** The expected size in bytes (Content-Length), or null when the server did not say. */
    private readonly total: number | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that `bytes` bytes have arrived in all; shows it if the last update is old enough. */
  update(bytes: number): void {
    this.bytes = bytes;
    const at = this.now();
    if (at - this.lastShownAt < (this.output.isTTY ? TTY_INTERVAL_MS : LINE_INTERVAL_MS)) return;
    this.lastShownAt = at;
    this.show(false);
  }

  /** Shows the final count (unless already shown as the last line), ending the line on a terminal. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.output.isTTY || this.shownBytes !== this.bytes) this.show(true);
  }

  /** Ends a redrawn line without a final count (the download failed), so that an error starts on its own line. */
  abandon(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.output.isTTY && this.lastShownAt !== Number.NEGATIVE_INFINITY) this.output.write('\n');
  }

  private show(final: boolean): void {
    this.shownBytes = this.bytes;
    const text = `${this.label}: ${describeProgress(this.bytes, this.total)}`;
    if (this.output.isTTY) this.output.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    else this.output.write(`${text}\n`);
  }
}

/** "12.3 MB of 45.6 MB (27%)", or "12.3 MB" when the total is unknown. */
export function describeProgress(bytes: number, total: number | null): string {
  if (total === null || total <= 0) return formatBytes(bytes);
  const percent = Math.min(100, Math.floor((bytes / total) * 100));
  return `${formatBytes(bytes)} of ${formatBytes(total)} (${percent}%)`;
}

/** A byte count in decimal units: "512 B", "1.5 kB", "45.6 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
