/** Whether `value` is a whole number (a safe integer) of at least `min`. */
export function isWholeNumberFrom(value: unknown, min: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min;
}

/** Whether an optional flag is left out or a boolean. */
export function isOptionalBoolean(value: unknown): boolean {
  return value === undefined || typeof value === 'boolean';
}
