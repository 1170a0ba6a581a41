// Small statistics over a handful of numbers: medians of rounds, percentiles of timings.

/** The median; of an even count, the mean of the two middle values. Undefined for no values. */
export function median(values: readonly number[]): number | undefined {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return undefined;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1]! + finite[middle]!) / 2;
}

/**
 * The p-th percentile by the nearest-rank method (the smallest value with at least p % of the
 * values at or below it): always one of the measured values, never interpolated.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError('percentile: p must be in (0, 100]');
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** a / b, or undefined when either is missing or b is not positive. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return undefined;
  return a / b;
}
