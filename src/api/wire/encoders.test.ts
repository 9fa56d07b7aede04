import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { validateRuntypeFrame } from '../../../test/support/runtype-schema.js';
import type { Dialect } from './dialect.js';
import { createEncoder } from './encoders.js';
import { goldenAgent, goldenContext, goldenEvents } from './golden/events.js';

// One fixed list of internal events, encoded by every dialect and compared with the frames checked in beside
// it. FLOWRUN_UPDATE_GOLDEN=1 rewrites the files (review the diff: it is the wire change).
const cases: Array<[string, Dialect, boolean]> = [
  ['travrse', 'travrse', false],
  ['runtype', 'runtype', false],
  ['unified', 'unified', false],
  ['runtype-agent', 'runtype', true],
  ['unified-agent', 'unified', true],
];

for (const [name, dialect, agent] of cases) {
  test(`${name} frames match the golden file`, () => {
    const encoder = createEncoder(dialect, { ...goldenContext, ...(agent ? { agent: goldenAgent } : {}) });
    const frames = goldenEvents.map((event) => encoder(event));
    const file = new URL(`./golden/${name}.json`, import.meta.url);
    if (process.env.FLOWRUN_UPDATE_GOLDEN) writeFileSync(file, `${JSON.stringify(frames, null, 2)}\n`);
    assert.deepStrictEqual(frames, JSON.parse(readFileSync(file, 'utf8')));
    frames.forEach((frame, index) => {
      if (frame) assert.equal(frame.id, goldenEvents[index]!.seq, "a frame's id is its event's seq");
    });
  });
}

// Flowrun's own frames, which Runtype's vocabulary has no type for (docs/compatibility.md): clients skip them.
const flowrunFrames = new Set(['warning']);

test('every Runtype legacy frame of the golden run, flow and agent, validates against DispatchSSEEvent', () => {
  for (const agent of [false, true]) {
    const encoder = createEncoder('runtype', { ...goldenContext, ...(agent ? { agent: goldenAgent } : {}) });
    for (const frame of goldenEvents.map((event) => encoder(event))) {
      if (!frame || flowrunFrames.has(frame.event)) continue;
      assert.equal(frame.data.type, frame.event);
      assert.equal(validateRuntypeFrame(frame.data), null, `${frame.event}`);
    }
  }
});

test('Travrse tool frames are step_chunk frames whose data says tool_call / tool_result, as in the seed', () => {
  const encoder = createEncoder('travrse', goldenContext);
  const frames = goldenEvents
    .map((event) => encoder(event))
    .filter((frame) => frame?.event === 'step_chunk' && frame.data.type !== 'step_chunk');
  assert.deepEqual(
    frames.map((frame) => frame!.data.type),
    ['tool_call', 'tool_result'],
  );
});
