import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionEvent } from '../../protocol/execution-event.js';
import { stampedFramer } from './frame.js';
import type { RuntypeFrameFields, UnifiedFrameFields } from './frame-types.js';
import type { SharedFrameFields } from './runtype-shared.js';
import { goldenEvents } from './golden/events.js';

// The type check (`npm run typecheck`) is the real test here: each @ts-expect-error must be an error.
test('frames are typed by their dialect: a misspelled field or a frame the dialect lacks does not compile, nor one a shared handler writes for only one of its dialects', () => {
  const unified = stampedFramer<UnifiedFrameFields>();
  const runtype = stampedFramer<RuntypeFrameFields>();
  const event = goldenEvents[0] as ExecutionEvent;
  // @ts-expect-error `detla` is not a field of text_delta
  unified(event, 'text_delta', { id: 'part', detla: 'Hello' });
  // @ts-expect-error the unified vocabulary has no flow_start frame
  unified(event, 'flow_start', {});
  // @ts-expect-error Runtype legacy has no execution_start frame
  runtype(event, 'execution_start', {});
  const shared = stampedFramer<SharedFrameFields>();
  // @ts-expect-error a handler shared by Runtype legacy and unified may not write `name`: unified's tool_start has none
  shared(event, 'tool_start', { toolCallId: 'call', name: 'search' });
  // @ts-expect-error unified has no agent_start frame, so no shared handler can send one
  shared(event, 'agent_start', {});
  const frame = unified(event, 'text_delta', { id: 'part', delta: 'Hello' });
  assert.deepEqual(frame.data, { type: 'text_delta', executionId: event.executionId, seq: event.seq, id: 'part', delta: 'Hello' });
});
