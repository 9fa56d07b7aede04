import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

/** Runtype's errorHandling fallbacks: another model, a retry, a fixed message; announced, and every attempt paid for. */
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

const auth = () => ({ authorization: `Bearer ${harness.key}` });
const step = (errorHandling: unknown) => ({
  flow: {
    name: 'fb',
    steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi', outputVariable: 'answer' }, errorHandling }],
  },
});

test('a failing model falls back to the next model: fallback_start, fallback_complete, and the answer', async () => {
  harness.fake.script((request) =>
    request.model === 'gpt-4o' ? { kind: 'error', status: 400, body: { error: { message: 'model overloaded' } } } : { text: 'from mini' },
  );
  const events = await readSse(await harness.dispatch(step({ onError: 'fallback', fallbacks: [{ type: 'model', model: 'gpt-4o-mini' }] })));
  const types = events.map((event) => event.event);
  assert.ok(types.indexOf('fallback_start') < types.indexOf('fallback_complete'));
  const start = events.find((event) => event.event === 'fallback_start')!.data;
  assert.deepEqual([start.fallbackType, start.model, start.fallbackIndex], ['model', 'gpt-4o-mini', 0]);
  assert.match(String(start.reason), /overloaded|400/);
  assert.equal(events.at(-1)!.event, 'flow_complete');
  assert.equal(events.at(-1)!.data.finalOutput, 'from mini');
  for (const event of events) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
});

test('empty output moves on too, the last fallback is a fixed message, and every attempt is paid for', async () => {
  harness.fake.script(() => ({ text: '   ', usage: { input: 100, output: 10 } }));
  const result = (await (
    await harness.dispatch({
      ...step({
        onError: 'fallback',
        triggers: [{ type: 'empty-output' }],
        fallbacks: [
          { type: 'model', model: 'gpt-4o-mini' },
          { type: 'message', message: 'Sorry, try again later.' },
        ],
      }),
      options: { streamResponse: false },
    })
  ).json()) as { executionId: string; finalOutput: string; usage: { costUsd: number; inputTokens: number } };
  assert.equal(result.finalOutput, 'Sorry, try again later.');
  assert.equal(harness.fake.requests.length, 2);
  // gpt-4o: 100 in at $2.50/M + 10 out at $10/M; gpt-4o-mini: $0.15/M + $0.60/M.
  const expected = (100 * 2.5 + 10 * 10 + 100 * 0.15 + 10 * 0.6) / 1e6;
  assert.equal(Math.round(result.usage.costUsd * 1e9), Math.round(expected * 1e9));
  assert.equal(result.usage.inputTokens, 200);
  const events = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${result.executionId}/events`, { headers: auth() }));
  assert.deepEqual(
    events.filter((event) => event.event.startsWith('fallback_')).map((event) => [event.event, event.data.fallbackType]),
    [
      ['fallback_start', 'model'],
      ['fallback_start', 'message'],
      ['fallback_complete', 'message'],
    ],
  );
});

test('an agent whose fallbacks all fail ends with fallback_exhausted and the error', async () => {
  harness.fake.script(() => ({ kind: 'error', status: 400, body: { error: { message: 'bad request' } } }));
  const events = await readSse(
    await harness.dispatch(
      {
        agent: {
          name: 'A',
          model: 'gpt-4o',
          errorHandling: { onError: 'fallback', fallbacks: [{ type: 'retry' }, { type: 'model', model: 'gpt-4o-mini' }] },
        },
        messages: [{ role: 'user', content: 'hi' }],
      },
      { query: 'events=unified' },
    ),
  );
  assert.deepEqual(
    events.filter((event) => event.event.startsWith('fallback_')).map((event) => event.event),
    ['fallback_start', 'fallback_start', 'fallback_exhausted'],
  );
  assert.equal(events.find((event) => event.event === 'fallback_exhausted')!.data.attempts, 3);
  assert.equal(harness.fake.requests.length, 3);
  assert.equal(events.at(-1)!.event, 'execution_error');
});

test("a model's fallbackModels (and PromptShuttle's fallbacks) announce the switch too", async () => {
  harness.fake.script((request) => (request.model === 'gpt-4o' ? { kind: 'error', status: 503 } : { text: 'backup' }));
  const events = await readSse(
    await harness.dispatch({
      flow: {
        name: 'fm',
        steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi', fallbackModels: ['gpt-4o-mini'] } }],
      },
    }),
  );
  assert.deepEqual(
    events.filter((event) => event.event.startsWith('fallback_')).map((event) => [event.event, event.data.model]),
    [
      ['fallback_start', 'gpt-4o-mini'],
      ['fallback_complete', 'gpt-4o-mini'],
    ],
  );
  assert.equal(events.at(-1)!.data.finalOutput, 'backup');
});
