/**
 * The known model id closest to a mistyped one, when it is close enough to be what was meant: at most a quarter
 * of its characters apart (at least 2), by edit distance. Case is ignored.
 */
export function closestModel(model: string, known: readonly string[]): string | undefined {
  const wanted = model.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  let best: { id: string; distance: number } | undefined;
  for (const id of known) {
    const distance = editDistance(wanted, id.toLowerCase(), limit);
    if (distance <= limit && (!best || distance < best.distance)) best = { id, distance };
  }
  return best?.id;
}

/** Levenshtein distance, giving up (returning limit + 1) once every path is past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowBest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      rowBest = Math.min(rowBest, current[j]!);
    }
    if (rowBest > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}
