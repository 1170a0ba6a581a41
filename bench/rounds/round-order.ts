/**
 * The order of the variants in round `round` (0-based): the list rotated by one more place each
 * round, so that no variant always runs first (cold machine) or right after the same neighbour.
 */
export function rotateForRound<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = ((round % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
