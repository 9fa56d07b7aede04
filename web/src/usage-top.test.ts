import { test } from 'node:test';
import assert from 'node:assert/strict';
import { otherKey, topSeries } from './usage-top.js';
import type { UsageSeries } from './usage-series.js';

const series: UsageSeries = {
  rows: [
    { bucket: 'd1', 'cost:a': 3, 'tokens:a': 30, 'cost:b': 2, 'tokens:b': 20, 'cost:c': 1, 'tokens:c': 10 },
    { bucket: 'd2', 'cost:c': 4, 'tokens:c': 40 },
  ],
  keys: ['a', 'b', 'c'],
  totals: [],
};

test('the charts keep the costliest keys and sum the rest as one series, so each period still adds up', () => {
  const top = topSeries(series, 2);
  assert.deepEqual(top.keys, ['a', otherKey]);
  assert.equal(top.total, 3);
  assert.equal(top.folded, 2);
  assert.deepEqual(top.rows[0], { bucket: 'd1', 'cost:a': 3, 'tokens:a': 30, [`cost:${otherKey}`]: 3, [`tokens:${otherKey}`]: 30 });
  assert.deepEqual(top.rows[1], { bucket: 'd2', [`cost:${otherKey}`]: 4, [`tokens:${otherKey}`]: 40 });
});

test('with no more keys than the limit, nothing is folded', () => {
  const top = topSeries(series, 3);
  assert.deepEqual(top.keys, ['a', 'b', 'c']);
  assert.equal(top.folded, 0);
});
