import type { UsageEntry } from '@flowrun/client';

/** The start of the hour (or, for `daily`, of the local day) an instant falls in, in the browser's zone. */
export function bucketOf(iso: string, daily: boolean): string {
  const date = new Date(iso);
  if (daily) date.setHours(0, 0, 0, 0);
  else date.setMinutes(0, 0, 0);
  return date.toISOString();
}

export interface UsageSeries {
  /** One row per period: `cost:<key>` and `tokens:<key>` for each group key present. */
  rows: Array<Record<string, number | string> & { bucket: string }>;
  /** The group keys, most costly first. */
  keys: string[];
  /** Each key's totals over the whole range. */
  totals: UsageEntry[];
}

/**
 * The server's hourly totals (UTC hours) summed into the browser's own hours or days, per group key: what the charts
 * draw. Hours are whole in every zone with whole-hour offsets; in zones offset by half an hour an hour's total
 * lands in the local hour it started in.
 */
export function usageSeries(entries: UsageEntry[], daily: boolean): UsageSeries {
  const totals = new Map<string, UsageEntry>();
  const rows = new Map<string, Record<string, number | string> & { bucket: string }>();
  for (const entry of entries) {
    const total = totals.get(entry.key) ?? {
      key: entry.key,
      runs: 0,
      creditsUsed: 0,
      costUsd: 0,
      tokensIn: 0,
      tokensOut: 0,
      reasoningTokens: 0,
    };
    total.runs += entry.runs;
    total.creditsUsed += entry.creditsUsed;
    total.costUsd += entry.costUsd;
    total.tokensIn += entry.tokensIn;
    total.tokensOut += entry.tokensOut;
    total.reasoningTokens += entry.reasoningTokens;
    totals.set(entry.key, total);
    const bucket = bucketOf(entry.period ?? new Date(0).toISOString(), daily);
    const row = rows.get(bucket) ?? { bucket };
    row[`cost:${entry.key}`] = Number(row[`cost:${entry.key}`] ?? 0) + entry.costUsd;
    row[`tokens:${entry.key}`] = Number(row[`tokens:${entry.key}`] ?? 0) + entry.tokensIn + entry.tokensOut;
    rows.set(bucket, row);
  }
  const ranked = [...totals.values()].sort((a, b) => b.costUsd - a.costUsd || b.tokensIn + b.tokensOut - (a.tokensIn + a.tokensOut));
  return {
    rows: [...rows.values()].sort((a, b) => a.bucket.localeCompare(b.bucket)),
    keys: ranked.map((entry) => entry.key),
    totals: ranked,
  };
}
