import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

const seed000 = readFileSync(new URL('./fixtures/seed-000-body.json', import.meta.url), 'utf8');
const seed001 = readFileSync(new URL('./fixtures/seed-001-body.json', import.meta.url), 'utf8');

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

test('seed 000 (Travrse, snake_case) sent verbatim streams Travrse events from the model', async () => {
  harness.fake.reset();
  harness.fake.script(() => ({ chunks: ['Based on', ' the message', ', hello!'] }));
  const response = await harness.dispatch(seed000);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const events = await readSse(response);
  assert.deepEqual(
    events.map((event) => event.event),
    // The seed's system prompt names `_record.metadata.previous_messages`, which its record does not carry: a warning.
    ['flow_start', 'step_start', 'step_chunk', 'step_chunk', 'step_chunk', 'warning', 'step_complete', 'flow_complete'],
  );
  for (const event of events) {
    assert.equal(event.data.type, event.event, 'data carries its type');
    assert.match(event.id ?? '', /^\d+$/, 'every frame has id: <seq>');
  }
  const [start, stepStart, firstChunk, , , warning, stepComplete, complete] = events.map((event) => event.data);
  assert.equal(warning!.code, 'UNRESOLVED_VARIABLE');
  assert.match(String(warning!.message), /step 'Prompt 1' uses \{\{_record\.metadata\.previous_messages\}\}/);
  // The model the seed names went to the OpenAI-compatible endpoint, with the rendered prompts.
  const request = harness.fake.requests[0]!;
  assert.equal(request.model, 'meta/llama3.1-8b-instruct-free');
  assert.equal(request.lastUserText, 'Sample message');
  assert.equal(request.body.stream, true);
  // Seed 000 fields and the captured Travrse stream's fields.
  assert.ok(String(start!.executionId).startsWith('exec_'));
  for (const field of ['flowId', 'recordId', 'flowName', 'totalSteps', 'startedAt', 'executionContext'])
    assert.ok(field in start!, `flow_start.${field}`);
  assert.equal(start!.flowName, 'Simple Chat User / System Prompt');
  assert.deepEqual((start!.executionContext as { record: unknown }).record, { id: '-1', name: 'Standalone Execution', created: false });
  assert.equal(stepStart!.stepId, 'step_01k5r9pj9kf26src3enda8ht0a');
  assert.equal(stepStart!.id, 'step_01k5r9pj9kf26src3enda8ht0a');
  assert.equal(stepStart!.stepName, 'Prompt 1');
  assert.equal(stepStart!.stepType, 'prompt');
  assert.equal(firstChunk!.content, 'Based on');
  assert.equal(firstChunk!.text, 'Based on');
  assert.equal(firstChunk!.isComplete, false);
  assert.equal(firstChunk!.executionType, 'prompt');
  assert.equal(stepComplete!.result, 'Based on the message, hello!');
  assert.equal(stepComplete!.status, 'completed');
  assert.equal(stepComplete!.success, true);
  assert.equal(typeof stepComplete!.executionTime, 'number');
  assert.deepEqual(stepComplete!.unresolvedVariables, ['_record.metadata.previous_messages']);
  assert.equal(complete!.status, 'completed');
  assert.equal(complete!.success, true);
  assert.equal(complete!.totalSteps, 1);
  assert.equal(complete!.tokensUsed, 17);
  assert.equal(complete!.totalTokensUsed, 17);
  assert.equal(complete!.executionId, start!.executionId);
});

test('seed 001 (Runtype, camelCase) sent verbatim streams Runtype events that validate against DispatchSSEEvent', async () => {
  harness.fake.reset();
  const response = await harness.dispatch(seed001);
  assert.equal(response.status, 200);
  const events = await readSse(response);
  assert.deepEqual(
    events.map((event) => event.event),
    ['flow_start', 'step_start', 'text_start', 'step_delta', 'step_delta', 'step_delta', 'text_end', 'step_complete', 'flow_complete'],
  );
  for (const event of events) assert.equal(validateRuntypeFrame(event.data), null);
  const request = harness.fake.requests[0]!;
  assert.equal(request.model, 'gpt-4', 'gpt-4 is routed to OpenAI');
  assert.match(request.path, /\/v1\/chat\/completions$/);
  assert.equal(request.lastUserText, 'Analyze the sales performance for Q4 2024 in North America.');
  const complete = events.at(-1)!.data;
  assert.equal(complete.success, true);
  assert.equal(complete.finalOutput, 'Hello from gpt-4.');
  const stepComplete = events.find((event) => event.event === 'step_complete')!.data;
  assert.equal(stepComplete.result, 'Hello from gpt-4.');
  assert.deepEqual(stepComplete.unresolvedVariables, []);
  // autoAppendMetadata: the step's output is appended to the record's metadata for later steps.
  const executionId = String(events[0]!.data.executionId);
  const stored = await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: { authorization: `Bearer ${harness.key}` } });
  const execution = (await stored.json()) as { status: string; usage: { inputTokens: number; outputTokens: number; costUsd: number } };
  assert.equal(execution.status, 'completed');
  assert.deepEqual([execution.usage.inputTokens, execution.usage.outputTokens], [12, 5]);
  assert.equal(execution.usage.costUsd, (12 * 30 + 5 * 60) / 1e6, 'priced from the catalog (gpt-4: $30/$60 per million)');
});

test("the same seed 001 body streams unified events for ?events=unified and for Runtype's chat widget", async () => {
  for (const options of [{ query: 'events=unified' }, { headers: { 'x-persona-version': '4.2.0' } }]) {
    harness.fake.reset();
    const events = await readSse(await harness.dispatch(seed001, options));
    assert.deepEqual(
      events.map((event) => event.event),
      [
        'execution_start',
        'step_start',
        'text_start',
        'text_delta',
        'text_delta',
        'text_delta',
        'text_complete',
        'step_complete',
        'execution_complete',
      ],
    );
    const seqs = events.map((event) => event.data.seq as number);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    for (const event of events) {
      assert.equal(typeof event.data.executionId, 'string');
      assert.equal(String(event.data.seq), event.id);
    }
    assert.equal(events.at(-1)!.data.finalOutput, 'Hello from gpt-4.');
    assert.equal(events.at(-1)!.data.kind, 'flow');
  }
});
