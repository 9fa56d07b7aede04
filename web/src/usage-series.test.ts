import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOf, usageSeries } from './usage-series.js';

const entry = (key: string, period: string, costUsd: number, tokens: number) => ({
  key,
  period,
  runs: 1,
  creditsUsed: Math.round(costUsd * 1e6),
  costUsd,
  tokensIn: tokens,
  tokensOut: 0,
  reasoningTokens: 0,
});

test('hourly totals are summed per local day and per key; keys rank by cost', () => {
  const morning = new Date(2026, 10, 20, 9).toISOString();
  const evening = new Date(2026, 10, 20, 21).toISOString();
  const nextDay = new Date(2026, 10, 21, 9).toISOString();
  const series = usageSeries(
    [entry('flow-a', morning, 0.5, 10), entry('flow-b', morning, 2, 5), entry('flow-a', evening, 0.25, 20), entry('flow-a', nextDay, 1, 1)],
    true,
  );
  assert.deepEqual(series.keys, ['flow-b', 'flow-a']);
  assert.equal(series.rows.length, 2);
  assert.equal(series.rows[0]!.bucket, new Date(2026, 10, 20).toISOString());
  assert.equal(series.rows[0]!['cost:flow-a'], 0.75);
  assert.equal(series.rows[0]!['tokens:flow-a'], 30);
  assert.equal(series.totals.find((total) => total.key === 'flow-a')!.runs, 3);
});

test('hours stay hours, in the local zone', () => {
  const at = new Date(2026, 10, 20, 9, 0).toISOString();
  assert.equal(bucketOf(new Date(2026, 10, 20, 9, 59).toISOString(), false), at);
  assert.equal(usageSeries([entry('x', at, 1, 1)], false).rows[0]!.bucket, at);
});
