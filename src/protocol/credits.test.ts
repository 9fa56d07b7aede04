import { test } from 'node:test';
import assert from 'node:assert/strict';
import { creditsToUsd, defaultMaxTokens, usdToCredits, worstCaseCallUsd, worstCaseCredits } from './credits.js';

test('credits round up, once, by one rule; a float sum does not charge a credit more', () => {
  assert.equal(usdToCredits(0.000_001), 1);
  assert.equal(usdToCredits(0.000_001_2), 2);
  assert.equal(usdToCredits(0.1 + 0.2), 300_000);
  assert.equal(usdToCredits(0), 0);
  assert.equal(creditsToUsd(usdToCredits(1.5)), 1.5);
});

test("a call's worst case: every input token at the input price, maxTokens (default 4096) at the output price", () => {
  const price = { input: 2.5, output: 10 };
  assert.equal(worstCaseCallUsd(price, 1000), (1000 * 2.5 + defaultMaxTokens * 10) / 1_000_000);
  // A run's estimate adds the framing allowance per call and is at least one credit.
  assert.equal(worstCaseCredits(price, 936, 100, 2), usdToCredits(((1000 * 2.5 + 100 * 10) / 1_000_000) * 2));
  assert.equal(worstCaseCredits(price, 936, undefined, 1), worstCaseCredits(price, 936, defaultMaxTokens, 1));
  assert.equal(worstCaseCredits(undefined, 10, 10, 3), 1);
  assert.equal(worstCaseCredits({ input: 0, output: 0 }, 10, 10, 3), 1);
});
