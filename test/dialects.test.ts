import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
  harness.fake.script((request) => (request.lastUserText === 'fail' ? { kind: 'error', status: 400 } : { chunks: ['ok', '!'] }));
});
after(() => harness.close());

/** A flow that makes every kind of flow event: skip, conditional, text deltas, a continued failure, a final failure. */
const everything = {
  flow: {
    name: 'Everything',
    steps: [
      { id: 'off', name: 'Off', type: 'prompt', enabled: false, config: { model: 'gpt-4o', userPrompt: 'x' } },
      { id: 'gated', name: 'Gated', type: 'set-variable', when: '1 > 2', config: { variableName: 'g', value: 1 } },
      {
        id: 'branch',
        name: 'Branch',
        type: 'conditional',
        config: {
          condition: 'true',
          trueSteps: [{ id: 'talk', name: 'Talk', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi' } }],
        },
      },
      { id: 'soft', name: 'Soft', type: 'prompt', errorHandling: { onError: 'continue' }, config: { model: 'gpt-4o', userPrompt: 'fail' } },
      { id: 'hard', name: 'Hard', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'fail' } },
    ],
  },
};

test('every Runtype legacy frame of a run with skips, branches, deltas and failures validates against DispatchSSEEvent', async () => {
  const events = await readSse(await harness.dispatch(everything, { query: 'events=runtype' }));
  const types = events.map((event) => event.event);
  assert.deepEqual(types, [
    'flow_start',
    'step_skip',
    'step_skip',
    'step_start',
    'step_start',
    'text_start',
    'step_delta',
    'step_delta',
    'text_end',
    'step_complete',
    'step_complete',
    'step_start',
    'step_error',
    'step_start',
    'step_error',
    'flow_error',
  ]);
  for (const event of events) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  const ids = events.map((event) => Number(event.id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    'ids increase',
  );
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  // The schema must catch a broken frame, or this test proves nothing.
  assert.notEqual(validateRuntypeFrame({ type: 'step_skip', id: 'x' }), null);
  assert.notEqual(validateRuntypeFrame({ type: 'flow_start', flowId: 'f' }), null);
});

test('the unified vocabulary maps the same run: step failures are step_complete success:false, the end is execution_error', async () => {
  const events = await readSse(await harness.dispatch(everything, { query: 'events=unified' }));
  assert.deepEqual(
    events.map((event) => event.event),
    [
      'execution_start',
      'step_skip',
      'step_skip',
      'step_start',
      'step_start',
      'text_start',
      'text_delta',
      'text_delta',
      'text_complete',
      'step_complete',
      'step_complete',
      'step_start',
      'step_complete',
      'step_start',
      'step_complete',
      'execution_error',
    ],
  );
  for (const event of events) {
    assert.equal(typeof event.data.executionId, 'string');
    assert.equal(event.data.seq, Number(event.id));
  }
  const failed = events.filter((event) => event.event === 'step_complete' && event.data.success === false);
  assert.deepEqual(
    failed.map((event) => event.data.id),
    ['soft', 'hard'],
  );
  assert.equal(events.find((event) => event.event === 'text_complete')!.data.text, 'ok!');
  assert.deepEqual(events.at(-1)!.data.error, {
    code: 'PROVIDER_ERROR',
    message: (events.at(-1)!.data.error as { message: string }).message,
  });
});

test('the Travrse vocabulary maps the same run with step_chunk text and flow_error step_id', async () => {
  const events = await readSse(await harness.dispatch(everything, { query: 'events=travrse' }));
  const chunks = events.filter((event) => event.event === 'step_chunk');
  assert.deepEqual(
    chunks.map((event) => [event.data.content, event.data.text, event.data.isComplete]),
    [
      ['ok', 'ok', false],
      ['!', '!', false],
    ],
  );
  const end = events.at(-1)!;
  assert.equal(end.event, 'flow_error');
  assert.equal(end.data.step_id, 'hard');
  assert.equal(end.data.success, false);
  assert.equal(typeof end.data.error, 'string');
});
