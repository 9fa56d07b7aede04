import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsage, emptyUsage } from '../protocol/usage.js';
import { priceUsd } from './catalog.js';

test('a model call costs whole credits, rounded up once, so totals are exact sums of the parts', () => {
  const entry = { provider: 'openai', input: 0.15, output: 0.6 };
  const first = priceUsd(entry, { input: 333, output: 77, reasoning: 0 }); // 96.15 micro-USD
  const second = priceUsd(entry, { input: 1001, output: 3, reasoning: 0 }); // 151.95 micro-USD
  assert.equal(first, 97 / 1e6);
  assert.equal(second, 152 / 1e6);
  let total = emptyUsage();
  for (const costUsd of [first, second, first]) total = addUsage(total, { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd });
  assert.equal(Math.round(total.costUsd * 1e6), 97 + 152 + 97);
  assert.equal(priceUsd(entry, { input: 100, output: 0, reasoning: 0 }), 15 / 1e6, 'an exact cost is not rounded up');
});
