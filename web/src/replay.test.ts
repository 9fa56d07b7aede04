import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayRequest, type ReplayedRun } from './replay.js';

test('a replay from step 3 runs steps 3 on, with the record, the inputs and the earlier steps’ results as their variables', () => {
  const steps = [
    { id: 'a', name: 'A', type: 'prompt', config: { outputVariable: 'first' } },
    { id: 'b', name: 'B', type: 'set-variable', config: { variableName: 'second', value: 'x' } },
    { id: 'c', name: 'C', type: 'prompt', config: { userPrompt: '{{first}} {{second}}' } },
  ];
  const execution: ReplayedRun = {
    flowName: 'Three',
    input: { record: { metadata: { topic: 'cats' } }, inputs: { tone: 'dry' }, flow: { steps } },
    steps: [
      { index: 1, status: 'completed', result: 'one' },
      { index: 2, status: 'completed', result: 'x' },
      { index: 3, status: 'failed', result: null },
    ],
  };
  const request = replayRequest(execution, steps, 3);
  assert.deepEqual(request.record, { metadata: { topic: 'cats' } });
  assert.deepEqual(request.inputs, { tone: 'dry', first: 'one', second: 'x' });
  assert.deepEqual(
    request.flow.steps.map((step) => step.id),
    ['c'],
  );
  assert.equal(request.flow.name, 'Three (replay from step 3)');
});
