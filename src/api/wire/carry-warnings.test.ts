import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRuntypeFrame } from '../../../test/support/runtype-schema.js';
import type { ExecutionEvent } from '../../protocol/execution-event.js';
import { createEncoder } from './encoders.js';
import { goldenContext, goldenEventsByType } from './golden/events.js';

const one = (type: string): ExecutionEvent => goldenEventsByType[type as keyof typeof goldenEventsByType]![0]!;

test("a warning rides on the stream's next frame, past events that send nothing, and that frame validates", () => {
  for (const dialect of ['runtype', 'unified'] as const) {
    const encode = createEncoder(dialect, goldenContext);
    assert.equal(encode(one('warning')), null, `${dialect}: no frame of its own`);
    assert.equal(encode(one('turn_start')), null, `${dialect}: an event that sends nothing carries nothing`);
    const carrier = encode(one('step_complete'))!;
    assert.deepEqual(
      (carrier.data.warnings as Array<{ code: string }>).map((warning) => warning.code),
      ['MCP_UNAVAILABLE'],
    );
    if (dialect === 'runtype') assert.equal(validateRuntypeFrame(carrier.data), null);
    assert.equal(encode(one('flow_complete'))!.data.warnings, undefined, `${dialect}: carried once`);
  }
});

test('Travrse keeps its warning frame', () => {
  const frame = createEncoder('travrse', goldenContext)(one('warning'));
  assert.equal(frame?.event, 'warning');
});
