import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines, exportDispatchBody, importFlow } from './flow-json.js';

test('a flow exports as a dispatch body and imports back from it, or from a bare flow', () => {
  const flow = {
    name: 'Greeter',
    steps: [{ id: 'step_1', name: 'Ask', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'hi' } }],
  };
  const body = exportDispatchBody(flow, { message: 'hello' });
  assert.deepEqual(body.flow, { name: 'Greeter', steps: flow.steps });
  assert.deepEqual(body.record.metadata, { message: 'hello' });
  assert.deepEqual(importFlow(JSON.stringify(body)), { name: 'Greeter', steps: flow.steps });
  assert.deepEqual(importFlow(JSON.stringify(flow)).steps, flow.steps);
});

test('an import says what is wrong with the JSON', () => {
  assert.throws(() => importFlow('{nope'), /Not JSON/);
  assert.throws(() => importFlow('{"flow": {"name": "x"}}'), /flow\.steps/);
});

test('the diff keeps common lines and marks what was removed and added', () => {
  assert.deepEqual(diffLines('a\nb\nc', 'a\nc\nd'), [
    { kind: ' ', text: 'a' },
    { kind: '-', text: 'b' },
    { kind: ' ', text: 'c' },
    { kind: '+', text: 'd' },
  ]);
});
