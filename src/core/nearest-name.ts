/**
 * "Did you mean ...?" for a misspelt key: the known name closest to the unknown one (edit distance,
 * case-insensitive), when it is close enough to be a likely typo.
 */

/** Levenshtein distance, one row at a time (keys are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The known name nearest to `name`, or undefined when none is within a typo's reach. */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const reach = Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= reach ? best : undefined;
}
