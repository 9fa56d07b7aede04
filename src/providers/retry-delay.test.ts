import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelayMs } from './retry-delay.js';

const now = Date.parse('2026-11-22T10:00:00.000Z');

test("a provider's Retry-After is the delay, in seconds, milliseconds or as a date, capped and never negative", () => {
  assert.equal(retryDelayMs(1, { 'retry-after': '0.3' }, 10_000, now), 300);
  assert.equal(retryDelayMs(1, { 'retry-after': '2' }, 10_000, now), 2000);
  assert.equal(retryDelayMs(1, { 'retry-after-ms': '150', 'retry-after': '9' }, 10_000, now), 150, 'retry-after-ms first');
  assert.equal(retryDelayMs(1, { 'retry-after': 'Sun, 22 Nov 2026 10:00:04 GMT' }, 10_000, now), 4000);
  assert.equal(retryDelayMs(1, { 'retry-after': 'Sun, 22 Nov 2026 09:59:00 GMT' }, 10_000, now), 0, 'a date passed');
  assert.equal(retryDelayMs(3, { 'retry-after': '0.3' }, 200, now), 200, 'capped');
  assert.equal(retryDelayMs(1, { 'retry-after': '3600' }, 10_000, now), 10_000);
});

test('without Retry-After the delay backs off exponentially with up to half again of jitter, capped', () => {
  for (const [attempt, base] of [
    [1, 250],
    [2, 500],
    [3, 1000],
  ] as const)
    for (let sample = 0; sample < 50; sample++) {
      const delay = retryDelayMs(attempt, { 'x-other': '1' }, 10_000, now);
      assert.ok(delay >= base && delay <= base * 1.5, `attempt ${attempt}: ${delay} ms`);
    }
  assert.equal(retryDelayMs(1, { 'retry-after': 'soon' }, 10_000, now) >= 250, true, 'an unreadable Retry-After backs off');
  assert.equal(retryDelayMs(6, undefined, 200, now), 200);
});
