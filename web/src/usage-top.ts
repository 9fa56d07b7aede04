import type { UsageSeries } from './usage-series.js';

/** What the charts draw: the `limit` costliest keys, and the rest summed as one series. */
export interface TopSeries {
  rows: UsageSeries['rows'];
  /** The series drawn, most costly first; the last is `otherKey` when keys were folded. */
  keys: string[];
  /** How many keys there are in all, and how many were folded into `otherKey`. */
  total: number;
  folded: number;
}

export const otherKey = 'Others';

/**
 * Keeps the `limit` costliest keys as they are and sums every other key's cost and tokens per period into one
 * `Others` series, so a stacked bar still shows the whole period's cost.
 */
export function topSeries(series: UsageSeries, limit: number): TopSeries {
  if (series.keys.length <= limit) return { rows: series.rows, keys: series.keys, total: series.keys.length, folded: 0 };
  const kept = series.keys.slice(0, limit - 1);
  const rest = series.keys.slice(limit - 1);
  const rows = series.rows.map((row) => {
    const folded: UsageSeries['rows'][number] = { bucket: row.bucket };
    for (const [field, value] of Object.entries(row))
      if (kept.some((key) => field === `cost:${key}` || field === `tokens:${key}`)) folded[field] = value;
    for (const metric of ['cost', 'tokens']) {
      const present = rest.filter((key) => row[`${metric}:${key}`] !== undefined);
      if (present.length > 0) folded[`${metric}:${otherKey}`] = present.reduce((sum, key) => sum + Number(row[`${metric}:${key}`]), 0);
    }
    return folded;
  });
  return { rows, keys: [...kept, otherKey], total: series.keys.length, folded: rest.length };
}
