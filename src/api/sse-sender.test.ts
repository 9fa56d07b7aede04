import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endsStream } from './sse-sender.js';

test('a stream ends at flow_complete and flow_error wherever they were read; a pause ends it unless read from the run history', () => {
  for (const type of ['flow_complete', 'flow_error'])
    for (const heard of ['live', 'stored'] as const)
      for (const readsHistory of [false, true]) assert.equal(endsStream({ type } as never, heard, readsHistory), true);
  const pause = { type: 'flow_paused' } as never;
  assert.equal(endsStream(pause, 'live', true), true, 'a replay ends at a pause it hears live');
  assert.equal(endsStream(pause, 'stored', true), false, 'a stored pause of a replay may have been resumed since');
  assert.equal(endsStream(pause, 'stored', false), true, "a dispatch stream's store holds only its own leg");
  assert.equal(endsStream({ type: 'step_complete' } as never, 'live', false), false);
});
