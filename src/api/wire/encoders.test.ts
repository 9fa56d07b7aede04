import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { validateRuntypeFrame } from '../../../test/support/runtype-schema.js';
import type { Dialect, WireFrame } from './dialect.js';
import { createEncoder } from './encoders.js';
import { goldenAgent, goldenContext, goldenEvents, goldenEventsByType } from './golden/events.js';

// The golden events, encoded by every dialect and compared with the frames checked in beside them, event type by
// event type (each file is `{ "<event type>": [frames...] }`). FLOWRUN_UPDATE_GOLDEN=1 (with FLOWRUN_TEST_TSX=1)
// rewrites the files and lists the types whose frames changed (review the diff: it is the wire change).
const cases: Array<[string, Dialect, boolean]> = [
  ['travrse', 'travrse', false],
  ['runtype', 'runtype', false],
  ['unified', 'unified', false],
  ['runtype-agent', 'runtype', true],
  ['unified-agent', 'unified', true],
];

/** A dialect's frames of the golden events, keyed by event type; `null` where it sends no frame. */
type GoldenFrames = Record<string, Array<WireFrame | null>>;

for (const [name, dialect, agent] of cases) {
  test(`${name} frames match the golden file, event type by event type`, async () => {
    const encoder = createEncoder(dialect, { ...goldenContext, ...(agent ? { agent: goldenAgent } : {}) });
    const frames: GoldenFrames = Object.fromEntries(
      Object.entries(goldenEventsByType).map(([type, events]) => [type, events.map((event) => encoder(event))]),
    );
    const file = new URL(`./golden/${name}.json`, import.meta.url);
    if (process.env.FLOWRUN_UPDATE_GOLDEN) await writeGolden(file, frames);
    const golden = JSON.parse(readFileSync(file, 'utf8')) as GoldenFrames;
    const differing = differingTypes(frames, golden);
    assert.deepStrictEqual(
      pick(frames, differing),
      pick(golden, differing),
      `${name}: the frames of ${differing.join(', ')} differ from golden/${name}.json`,
    );
    for (const [type, events] of Object.entries(goldenEventsByType)) {
      frames[type]!.forEach((frame, index) => {
        if (frame) assert.equal(frame.id, events[index]!.seq, `${type}: a frame's id is its event's seq`);
      });
    }
  });
}

/** The event types whose frames are not the golden ones, or that only one side has. */
function differingTypes(frames: GoldenFrames, golden: GoldenFrames): string[] {
  return [...new Set([...Object.keys(frames), ...Object.keys(golden)])].filter((type) => !isDeepStrictEqual(frames[type], golden[type]));
}

function pick(frames: GoldenFrames, types: string[]): Partial<GoldenFrames> {
  return Object.fromEntries(types.map((type) => [type, frames[type]]));
}

/**
 * Writes the golden file in the events' order, formatted as prettier would: an entry whose frames did not change
 * keeps its lines, so the diff shows only the types that changed (listed too).
 */
async function writeGolden(file: URL, frames: GoldenFrames): Promise<void> {
  const before = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GoldenFrames) : {};
  const changed = differingTypes(frames, before);
  if (changed.length === 0) return;
  const prettier = await import('prettier');
  const options = await prettier.resolveConfig(fileURLToPath(file));
  writeFileSync(file, await prettier.format(JSON.stringify(frames, null, 2), { ...options, parser: 'json' }));
  console.log(`${fileURLToPath(file)}: rewrote ${changed.join(', ')}`);
}

test('every Runtype legacy frame of the golden run, flow and agent, validates against DispatchSSEEvent', () => {
  for (const agent of [false, true]) {
    const encoder = createEncoder('runtype', { ...goldenContext, ...(agent ? { agent: goldenAgent } : {}) });
    for (const frame of goldenEvents.map((event) => encoder(event))) {
      if (!frame) continue;
      assert.equal(frame.data.type, frame.event);
      assert.equal(validateRuntypeFrame(frame.data), null, `${frame.event}`);
    }
  }
});

test('Travrse tool frames are step_chunk frames whose data says tool_call / tool_result, as in the seed (a custom event likewise)', () => {
  const encoder = createEncoder('travrse', goldenContext);
  const frames = goldenEvents
    .map((event) => encoder(event))
    .filter((frame) => frame?.event === 'step_chunk' && frame.data.type !== 'step_chunk');
  assert.deepEqual(
    frames.map((frame) => frame!.data.type),
    ['custom_event', 'tool_call', 'tool_result'],
  );
});
