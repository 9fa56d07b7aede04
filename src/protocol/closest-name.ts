/**
 * The known name closest to a mistyped one, when it is close enough to be what was meant: at most a quarter of
 * its characters apart (at least 2, and fewer than its length), by edit distance with swapped neighbours as one
 * edit (`nmae` → `name`). Case is ignored; the first of equally close names wins. Model ids, step types, config
 * keys and template variables all get their "did you mean" from here.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.min(Math.max(2, Math.floor(wanted.length / 4)), wanted.length - 1);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase(), limit);
    if (distance <= limit && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** `(did you mean 'name'?)`-style hint text for a name, or undefined when none is close. */
export function didYouMean(name: string | undefined): string | undefined {
  return name === undefined ? undefined : `did you mean '${name}'?`;
}

/** Optimal-string-alignment distance, giving up (returning limit + 1) once every path is past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowBest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, beforePrevious[j - 2]! + 1);
      current[j] = distance;
      rowBest = Math.min(rowBest, distance);
    }
    if (rowBest > limit) return limit + 1;
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}
