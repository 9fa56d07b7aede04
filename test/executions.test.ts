import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { waitFor } from './support/wait-for.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

const auth = () => ({ authorization: `Bearer ${harness.key}` });
const slowFlow = (delayMs: number, extraOptions: Record<string, unknown> = {}) => ({
  flow: { name: 'slow', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: `slow ${delayMs}` } }] },
  options: extraOptions,
});

async function getExecution(id: string) {
  return (await (await fetch(`${harness.baseUrl}/v1/executions/${id}`, { headers: auth() })).json()) as Record<string, any>;
}

test('every run is kept: list pages and filters by status and flow; get shows steps, usage and timings', async () => {
  const ids: string[] = [];
  for (let index = 0; index < 3; index++) {
    const response = await harness.dispatch({
      flow: { name: `f${index}`, steps: [{ id: 'a', name: 'A', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'x' } }] },
      options: { streamResponse: false },
    });
    ids.push(((await response.json()) as { executionId: string }).executionId);
  }
  harness.fake.script(() => ({ kind: 'error', status: 400 }));
  const failed = await harness.dispatch({
    flow: { name: 'fails', steps: [{ id: 'a', name: 'A', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'x' } }] },
    options: { streamResponse: false },
  });
  const failedId = ((await failed.json()) as { executionId: string }).executionId;

  const page = (await (await fetch(`${harness.baseUrl}/v1/executions?limit=2`, { headers: auth() })).json()) as Record<string, any>;
  assert.equal(page.data.length, 2);
  assert.equal(page.pagination.hasMore, true);
  assert.equal(page.data[0].id, failedId, 'newest first');
  const completed = (await (
    await fetch(`${harness.baseUrl}/v1/executions?status=completed&limit=100`, { headers: auth() })
  ).json()) as Record<string, any>;
  assert.ok(completed.data.every((execution: { status: string }) => execution.status === 'completed'));
  assert.ok(ids.every((id) => completed.data.some((execution: { id: string }) => execution.id === id)));
  const one = await getExecution(ids[0]!);
  const byFlow = (await (await fetch(`${harness.baseUrl}/v1/executions?flowId=${one.flowId}`, { headers: auth() })).json()) as Record<
    string,
    any
  >;
  assert.deepEqual(
    byFlow.data.map((execution: { id: string }) => execution.id),
    [ids[0]],
  );
  assert.equal(one.status, 'completed');
  assert.equal(one.steps.length, 1);
  assert.equal(one.steps[0].result, 'Hello from gpt-4o.');
  assert.equal(typeof one.durationMs, 'number');
  assert.ok(one.startedAt && one.completedAt);
  assert.equal(one.usage.inputTokens, 12);
  assert.equal(one.input.flow.name, 'f0');
  const bad = await getExecution(failedId);
  assert.equal(bad.status, 'failed');
  assert.equal(bad.error.code, 'PROVIDER_ERROR');
});

test('events replay as SSE from ?after= and from Last-Event-ID, in any dialect', async () => {
  const live = await readSse(await harness.dispatch(slowFlow(0)));
  const executionId = String(live[0]!.data.executionId);
  const replay = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events`, { headers: auth() }));
  assert.deepEqual(replay, live, 'a replay is the same stream');
  const after3 = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?after=3`, { headers: auth() }));
  assert.deepEqual(
    after3,
    live.filter((event) => Number(event.id) > 3),
  );
  const resumed = await readSse(
    await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events`, { headers: { ...auth(), 'last-event-id': '5' } }),
  );
  assert.deepEqual(
    resumed.map((event) => event.id),
    live.filter((event) => Number(event.id) > 5).map((event) => event.id),
  );
  const unified = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?events=unified`, { headers: auth() }));
  assert.equal(unified[0]!.event, 'execution_start');
  assert.equal(unified.at(-1)!.event, 'execution_complete');
});

test('the events route follows a running execution live until it ends, and a disconnect does not stop the run', async () => {
  harness.fake.script(() => ({ chunks: ['one', ' two', ' three', ' four'], delayMs: 150 }));
  const controller = new AbortController();
  const response = await harness.dispatch(slowFlow(150), {});
  const executionId = response.headers.get('x-execution-id')!;
  // The dispatching client goes away at once.
  await response.body?.cancel();
  controller.abort();
  const followed = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?after=0`, { headers: auth() }));
  const types = followed.map((event) => event.event);
  assert.equal(types[0], 'flow_start');
  assert.equal(types.at(-1), 'flow_complete');
  assert.equal(followed.filter((event) => event.event === 'step_delta').length, 4);
  const seqs = followed.map((event) => Number(event.id));
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  );
  assert.equal((await getExecution(executionId)).status, 'completed');
});

test('cancelOnDisconnect cancels the run when the client goes away; the cancel route cancels too', async () => {
  harness.fake.script(() => ({ chunks: ['a', 'b', 'c', 'd', 'e', 'f'], delayMs: 200 }));
  const response = await harness.dispatch(slowFlow(200, { cancelOnDisconnect: true }));
  const executionId = response.headers.get('x-execution-id')!;
  const reader = response.body!.getReader();
  await reader.read();
  await reader.cancel();
  await waitFor(async () => (await getExecution(executionId)).status === 'cancelled', 'the run cancelled once its client left');

  const second = await harness.dispatch(slowFlow(200));
  const secondId = second.headers.get('x-execution-id')!;
  await waitFor(async () => (await getExecution(secondId)).status === 'running', 'the second run running');
  const cancel = await fetch(`${harness.baseUrl}/v1/executions/${secondId}/cancel`, { method: 'POST', headers: auth() });
  assert.equal(cancel.status, 200);
  const events = await readSse(second);
  assert.equal(events.at(-1)!.event, 'flow_error');
  assert.equal((events.at(-1)!.data.error as { code: string }).code, 'CANCELLED');
  const again = await fetch(`${harness.baseUrl}/v1/executions/${secondId}/cancel`, { method: 'POST', headers: auth() });
  assert.equal(again.status, 409);
});
