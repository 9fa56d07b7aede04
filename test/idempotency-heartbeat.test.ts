import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_SSE_HEARTBEAT_MS: '40' });
});
after(() => harness.close());

const body = { flow: { name: 'once', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hello' } }] } };

test('a repeated Idempotency-Key returns the first execution instead of starting a second (JSON and SSE)', async () => {
  harness.fake.reset();
  const first = await harness.dispatch({ ...body, options: { streamResponse: false } }, { headers: { 'idempotency-key': 'order-42' } });
  const firstBody = (await first.json()) as { executionId: string; finalOutput: string };
  const again = await harness.dispatch({ ...body, options: { streamResponse: false } }, { headers: { 'idempotency-key': 'order-42' } });
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  const againBody = (await again.json()) as { executionId: string; finalOutput: string };
  assert.equal(againBody.executionId, firstBody.executionId);
  assert.equal(againBody.finalOutput, firstBody.finalOutput);
  const replayed = await readSse(await harness.dispatch(body, { headers: { 'idempotency-key': 'order-42' } }));
  assert.equal(String(replayed[0]!.data.executionId), firstBody.executionId);
  assert.equal(replayed.at(-1)!.event, 'flow_complete');
  assert.equal(harness.fake.requests.length, 1, 'the model was called once');
  const other = (await (
    await harness.dispatch({ ...body, options: { streamResponse: false } }, { headers: { 'idempotency-key': 'order-43' } })
  ).json()) as { executionId: string };
  assert.notEqual(other.executionId, firstBody.executionId);
  // PromptShuttle runs honour the header too.
  const flow = await fetch(`${harness.baseUrl}/api/v1/flows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'i', slug: 'idem', templates: [{ name: 'main', userTemplate: 'hi', llm: 'gpt-4o' }] }),
  });
  assert.equal(flow.status, 201);
  const run = (body: unknown) =>
    fetch(`${harness.baseUrl}/api/v1/flows/idem/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json', 'idempotency-key': 'run-1' },
      body: JSON.stringify(body),
    });
  const one = (await (await run({ nonce: 'a' })).json()) as { id: string };
  const two = (await (await run({ nonce: 'b' })).json()) as { id: string };
  assert.equal(two.id, one.id);
  const bad = await harness.dispatch(body, { headers: { 'idempotency-key': 'with space' } });
  assert.equal(bad.status, 422);
});

test('streams send comment heartbeats at the configured interval', async () => {
  harness.fake.reset();
  harness.fake.script(() => ({ chunks: ['slow', ' stream'], delayMs: 200 }));
  const response = await harness.dispatch(body);
  const text = await response.text();
  assert.ok((text.match(/^: ping$/gm) ?? []).length >= 3, text.slice(0, 300));
});

test("an agent stream in Runtype's vocabulary beats with agent_ping frames (no id, so Last-Event-ID never points at one)", async () => {
  harness.fake.reset();
  harness.fake.script(() => ({ chunks: ['slow', ' answer'], delayMs: 200 }));
  const events = await readSse(
    await harness.dispatch({ agent: { name: 'Slow', model: 'gpt-4o' }, messages: [{ role: 'user', content: 'hi' }] }),
  );
  const pings = events.filter((event) => event.event === 'agent_ping');
  assert.ok(pings.length >= 3, events.map((event) => event.event).join(','));
  for (const ping of pings) {
    assert.equal(ping.id, undefined);
    assert.equal(validateRuntypeFrame(ping.data), null, JSON.stringify(ping.data));
  }
  // Each ping names the last event sent before it.
  const order = events.map((event) => (event.event === 'agent_ping' ? Number(event.data.seq) : Number(event.id)));
  for (let index = 1; index < order.length; index++)
    if (events[index]!.event === 'agent_ping') assert.equal(order[index], order[index - 1]);
});

test('a client reconnecting with Last-Event-ID gets every later event of a paused run', async () => {
  harness.fake.reset();
  harness.fake.script(() => ({ toolCalls: [{ id: 'c1', name: 'ask_user', arguments: '{}' }] }));
  const paused = await readSse(
    await harness.dispatch({ ...body, clientTools: [{ name: 'ask_user', description: 'asks', parametersSchema: { type: 'object' } }] }),
  );
  const executionId = String(paused[0]!.data.executionId);
  const middle = paused[2]!.id!;
  const resumed = await readSse(
    await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events`, {
      headers: { authorization: `Bearer ${harness.key}`, 'last-event-id': middle },
    }),
  );
  assert.deepEqual(
    resumed.map((event) => event.id),
    paused.slice(3).map((event) => event.id),
  );
});
