import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlow } from '../run-flow.js';
import { testEngine, testRequest } from '../testing.js';
import { sendStreamChunkChars } from './send-stream.js';

const signal = () => new AbortController().signal;

test("send-stream streams a variable's text as the step's text deltas, in pieces, JSON when it is not text", async () => {
  const deps = testEngine();
  const long = 'x'.repeat(sendStreamChunkChars + 5);
  const outcome = await runFlow(
    deps,
    testRequest(
      [
        { id: 's', name: 's', type: 'send-stream', config: { sourceVariable: 'long', streamType: 'text' } },
        { id: 'j', name: 'j', type: 'send-stream', config: { sourceVariable: 'report.totals' } },
      ],
      { inputs: { long, report: { totals: { a: 1 } } } },
    ),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  const deltas = deps.events.events.filter((event) => event.type === 'step_delta');
  assert.deepEqual(
    deltas.map((event) => [event.stepId, event.text.length]),
    [
      ['s', sendStreamChunkChars],
      ['s', 5],
      ['j', 7],
    ],
  );
  const texts = deps.events.events.flatMap((event) => (event.type === 'text_end' ? [event.text] : []));
  assert.deepEqual(texts, [long, '{"a":1}']);
  assert.equal(outcome.output.s, long);
});

test('send-stream of a variable that is not there streams nothing and reports it; strict runs fail the step', async () => {
  const deps = testEngine();
  const lenient = await runFlow(
    deps,
    testRequest([{ id: 's', name: 's', type: 'send-stream', config: { sourceVariable: 'missing' } }]),
    signal(),
  );
  assert.equal(lenient.status, 'completed');
  assert.ok(!deps.events.types().includes('step_delta'));
  const strict = await runFlow(
    testEngine(),
    testRequest([{ id: 's', name: 's', type: 'send-stream', config: { sourceVariable: 'missing' } }], {
      options: { strictVariables: true },
    }),
    signal(),
  );
  assert.equal(strict.error?.code, 'UNRESOLVED_VARIABLE');
});

test('send-event emits a custom_event with its type and rendered payload, and answers with what it sent', async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest([{ id: 'e', name: 'e', type: 'send-event', config: { eventType: 'order.shipped', payload: { id: '{{order}}', n: 2 } } }], {
      inputs: { order: 'ord_7' },
    }),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  const event = deps.events.events.find((entry) => entry.type === 'custom_event');
  assert.ok(event && event.type === 'custom_event');
  assert.deepEqual([event.eventType, event.payload, event.stepId], ['order.shipped', { id: 'ord_7', n: 2 }, 'e']);
  assert.deepEqual((outcome.output.e as { payload: unknown }).payload, { id: 'ord_7', n: 2 });
});

test('send-event and send-stream are validated with field paths', () => {
  const paths = (steps: unknown[]) => {
    try {
      testRequest(steps);
      return [];
    } catch (error) {
      return ((error as { details?: Array<{ path: string }> }).details ?? []).map((detail) => detail.path);
    }
  };
  assert.deepEqual(paths([{ id: 'e', name: 'e', type: 'send-event', config: { eventType: 'bad type!' } }]), [
    'flow.steps[0].config.eventType',
  ]);
  assert.deepEqual(paths([{ id: 's', name: 's', type: 'send-stream', config: {} }]), ['flow.steps[0].config.sourceVariable']);
});
