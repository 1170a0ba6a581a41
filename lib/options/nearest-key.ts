/**
 * The known key a mistyped `key` most plausibly meant, or undefined when none is close enough
 * to be worth suggesting. A key equal but for case (`redisURL`, `maxage`) wins outright;
 * otherwise the closest key by Damerau-Levenshtein distance, ignoring case, within a third of
 * the longer of the two (at least 1 edit): enough for `sameSight` (3 edits from `sameSite`),
 * while a short key is not "corrected" into an unrelated one (`age` is 2 edits from `name`).
 * Ties go to the key listed first.
 */
export function nearestKey(key: string, knownKeys: readonly string[]): string | undefined {
  const lowered = key.toLowerCase();
  const sameButCase = knownKeys.find((known) => known.toLowerCase() === lowered);
  if (sameButCase !== undefined) return sameButCase;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of knownKeys) {
    const distance = editDistance(lowered, known.toLowerCase());
    const allowed = Math.max(1, Math.floor(Math.max(key.length, known.length) / 3));
    if (distance <= allowed && distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`: the optimal
 * string alignment form of Damerau-Levenshtein, which counts the usual typos as one edit each.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: distance between the first i characters of a and the first j of b.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = distance;
    }
  }
  return rows[a.length][b.length];
}
