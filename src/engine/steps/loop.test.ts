import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlow } from '../run-flow.js';
import { testEngine, testRequest } from '../testing.js';

const signal = () => new AbortController().signal;

test('loop runs its steps once per item with the item and index bound, and answers each pass’s output', async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest(
      [
        {
          id: 'each',
          name: 'each',
          type: 'loop',
          config: {
            sourceVariable: 'order.items',
            itemVariable: 'line',
            steps: [
              { id: 'label', name: 'label', type: 'set-variable', config: { variableName: 'label', value: '{{index}}: {{line.sku}}' } },
              { id: 'skipped', name: 'skipped', type: 'set-variable', when: 'line.qty > 5', config: { variableName: 'big', value: true } },
            ],
            outputVariable: 'labels',
          },
        },
        { id: 'after', name: 'after', type: 'set-variable', config: { variableName: 'first', value: '{{labels[0]}}' } },
      ],
      {
        inputs: {
          order: {
            items: [
              { sku: 'a', qty: 1 },
              { sku: 'b', qty: 9 },
              { sku: 'c', qty: 2 },
            ],
          },
        },
      },
    ),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(outcome.output.labels, ['0: a', true, '2: c']);
  assert.equal(outcome.output.first, '0: a');
  const steps = deps.events.events.filter((event) => event.type === 'step_start' || event.type === 'step_skip');
  assert.deepEqual(
    steps.map((event) => `${event.type === 'step_skip' ? '-' : ''}${event.stepId}`),
    ['each', 'label', '-skipped', 'label', 'skipped', 'label', '-skipped', 'after'],
  );
  assert.equal(outcome.finalOutput, '0: a');
});

test('loop caps the items at maxIterations with a warning, says concurrency runs sequentially, and refuses a non-array', async () => {
  const deps = testEngine();
  const capped = await runFlow(
    deps,
    testRequest([
      {
        id: 'each',
        name: 'each',
        type: 'loop',
        config: {
          items: [1, 2, 3, 4],
          maxIterations: 2,
          concurrency: 4,
          steps: [{ id: 'double', name: 'double', type: 'set-variable', config: { variableName: 'n', value: '{{item}}!' } }],
        },
      },
    ]),
    signal(),
  );
  assert.deepEqual(capped.output.each, ['1!', '2!']);
  assert.deepEqual(
    capped.warnings.map((warning) => warning.code),
    ['LOOP_ITEMS_CAPPED', 'LOOP_SEQUENTIAL'],
  );
  const notArray = await runFlow(
    testEngine(),
    testRequest(
      [
        {
          id: 'each',
          name: 'each',
          type: 'loop',
          config: { items: '{{text}}', steps: [{ id: 's', name: 's', type: 'set-variable', config: { variableName: 'x', value: 1 } }] },
        },
      ],
      { inputs: { text: 'abc' } },
    ),
    signal(),
  );
  assert.equal(notArray.error?.code, 'INVALID_TYPE');
});

test('a failing pass stops the loop and the run, unless its step continues', async () => {
  const outcome = await runFlow(
    testEngine(),
    testRequest([
      {
        id: 'each',
        name: 'each',
        type: 'loop',
        config: {
          items: ['ok', 'bad'],
          steps: [{ id: 'check', name: 'check', type: 'update-record', config: { recordId: 'rec_{{item}}', updates: { a: 1 } } }],
        },
      },
    ]),
    signal(),
  );
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.error?.code, 'NOT_FOUND');
});

test('loop is validated with field paths: no array named, no steps, an approval inside, a cap over 1000', () => {
  const paths = (config: Record<string, unknown>) => {
    try {
      testRequest([{ id: 'l', name: 'l', type: 'loop', config }]);
      return [];
    } catch (error) {
      return ((error as { details?: Array<{ path: string }> }).details ?? []).map((detail) => detail.path);
    }
  };
  const step = { id: 's', name: 's', type: 'set-variable', config: { variableName: 'x', value: 1 } };
  assert.deepEqual(paths({ steps: [step] }), ['flow.steps[0].config.sourceVariable']);
  assert.deepEqual(paths({ items: [1] }), ['flow.steps[0].config.steps']);
  assert.deepEqual(paths({ items: [1], steps: [{ id: 'a', name: 'a', type: 'approval', config: {} }] }), [
    'flow.steps[0].config.steps[0].type',
  ]);
  assert.deepEqual(paths({ items: [1], steps: [step], maxIterations: 5000 }), ['flow.steps[0].config.maxIterations']);
  assert.deepEqual(paths({ items: [1], steps: [{ id: 'bad', name: 'bad', type: 'set-variable', config: {} }] }), [
    'flow.steps[0].config.steps[0].config.variableName',
  ]);
});
