/** A unit a {@link Duration} string may end with. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/** A length of time: milliseconds, or a string such as `'500ms'`, `'30s'`, `'10m'`, `'2h'`, `'1d'`. */
export type Duration = number | `${number}${DurationUnit}`;

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `duration` in milliseconds; a TypeError naming `what` for anything that is not a positive duration. */
export function durationMs(duration: Duration, what: string): number {
  const ms = typeof duration === 'number' ? duration : parse(duration);
  if (ms === null || !Number.isFinite(ms) || ms <= 0) {
    throw new TypeError(
      `nest-qsessions: ${what} must be a positive number of milliseconds or a string such as '30s', '10m', '2h' ` +
        `or '1d'; got ${JSON.stringify(duration) ?? String(duration)}.`,
    );
  }
  return Math.round(ms);
}

function parse(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as DurationUnit] : null;
}
