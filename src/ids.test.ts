import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUlidIds } from './ids.js';

test('ids made in the same millisecond, or after the clock steps back, still sort in the order they were made', () => {
  let clock = 1_700_000_000_000;
  const ids = createUlidIds(() => clock);
  const made: string[] = [];
  for (let index = 0; index < 1_000; index++) made.push(ids.next('exec'));
  clock -= 5;
  for (let index = 0; index < 10; index++) made.push(ids.next('exec'));
  clock += 100;
  made.push(ids.next('exec'));
  assert.deepEqual([...made].sort(), made);
  assert.equal(new Set(made).size, made.length);
  assert.match(made[0]!, /^exec_[0-9A-HJKMNP-TV-Z]{26}$/);
});
