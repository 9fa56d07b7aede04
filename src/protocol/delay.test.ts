import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { delay } from './delay.js';

test('delay leaves no abort listener behind when its timer fires, and ends at once on abort', async () => {
  const controller = new AbortController();
  for (let index = 0; index < 5; index++) await delay(1, controller.signal);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  const waiting = delay(60_000, controller.signal);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  controller.abort();
  await waiting;
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  await delay(60_000, controller.signal);
});
