import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, type RunView } from './run-view.js';

const play = (events: Array<Record<string, unknown> & { type: string }>): RunView =>
  events.reduce<RunView>((view, event) => applyEvent(view, event), { blocks: [], status: 'idle' });

test('text deltas of one part join into one block; a non-streaming step shows its result', () => {
  const view = play([
    { type: 'execution_start', executionId: 'exec_1' },
    { type: 'step_start', id: 'step_1', name: 'Ask', stepType: 'prompt' },
    { type: 'text_delta', id: 'part_1', delta: 'Hel' },
    { type: 'text_delta', id: 'part_1', delta: 'lo' },
    { type: 'step_complete', id: 'step_1', success: true, result: 'Hello' },
    { type: 'step_start', id: 'step_2', name: 'Wrap', stepType: 'template' },
    { type: 'step_complete', id: 'step_2', success: true, result: 'Done: Hello' },
    { type: 'execution_complete', success: true },
  ]);
  assert.equal(view.executionId, 'exec_1');
  assert.equal(view.status, 'completed');
  assert.deepEqual(
    view.blocks.map((block) => block.kind),
    ['step', 'text', 'step', 'result', 'end'],
  );
  assert.deepEqual(view.blocks[1], { kind: 'text', id: 'part_1', text: 'Hello' });
  assert.deepEqual(view.blocks[3], { kind: 'result', id: 'step_2', value: 'Done: Hello' });
});

test('a tool call collects its streamed arguments and its result in one card', () => {
  const view = play([
    { type: 'tool_start', toolCallId: 'call_1', toolName: 'lookup' },
    { type: 'tool_input_delta', toolCallId: 'call_1', delta: '{"q":' },
    { type: 'tool_input_delta', toolCallId: 'call_1', delta: '"x"}' },
    { type: 'tool_input_complete', toolCallId: 'call_1', parameters: { q: 'x' } },
    { type: 'tool_complete', toolCallId: 'call_1', success: true, result: { found: 1 } },
  ]);
  assert.deepEqual(view.blocks, [
    { kind: 'tool', id: 'call_1', name: 'lookup', input: '{"q":"x"}', parameters: { q: 'x' }, result: { found: 1 }, status: 'done' },
  ]);
});

test('an approval or a client tool pauses the view; the decision is recorded on its card', () => {
  const paused = play([{ type: 'approval_start', approvalId: 'appr_1', toolName: 'send', description: 'Send it?' }]);
  assert.equal(paused.status, 'paused');
  const decided = applyEvent(paused, { type: 'approval_complete', approvalId: 'appr_1', decision: 'approved' });
  assert.deepEqual(decided.blocks[0], {
    kind: 'approval',
    id: 'appr_1',
    toolName: 'send',
    description: 'Send it?',
    parameters: undefined,
    decision: 'approved',
  });
  assert.equal(play([{ type: 'await', toolCallId: 'call_9', toolName: 'pick_color' }]).status, 'paused');
});

test('a failed run ends with its code and message; unknown events change nothing', () => {
  const view = play([
    { type: 'execution_error', code: 'PROVIDER_ERROR', error: { message: 'the model is down' } },
    { type: 'something_new', id: 'x' },
  ]);
  assert.equal(view.status, 'failed');
  assert.deepEqual(view.blocks, [{ kind: 'end', id: 'end', success: false, message: 'PROVIDER_ERROR: the model is down' }]);
});
