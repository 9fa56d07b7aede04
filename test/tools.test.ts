import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { callOnceThenAnswer, toolResultsIn } from './support/fake-scripts.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

let harness: Harness;
let slowServer: Server;
let slowUrl: string;
const slowHits: string[] = [];
/** When each request reached the slow server and when its answer went out, as places in one sequence of events. */
const slowSpans: Array<{ start: number; end: number }> = [];
let slowEvents = 0;
/** The answers the slow server holds back (`together=N`). */
const held: Array<() => void> = [];
before(async () => {
  slowServer = createServer((request, response) => {
    slowHits.push(request.url ?? '');
    const span = { start: ++slowEvents, end: 0 };
    slowSpans.push(span);
    const params = new URL(request.url ?? '/', 'http://x').searchParams;
    const answer = () => {
      if (span.end) return;
      clearTimeout(timer);
      if (held.includes(answer)) held.splice(held.indexOf(answer), 1);
      span.end = ++slowEvents;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ path: request.url, auth: request.headers.authorization ?? null }));
    };
    const timer = setTimeout(answer, Number(params.get('delay') ?? 0));
    // `together=N` holds each answer until N requests are held (or `delay` passes): calls made at once are
    // answered together, a call made alone waits out the delay.
    const together = Number(params.get('together') ?? 0);
    if (together > 0) {
      held.push(answer);
      if (held.length >= together) for (const release of held.splice(0)) release();
    }
  });
  await new Promise<void>((resolve) => slowServer.listen(0, '127.0.0.1', resolve));
  slowUrl = `http://127.0.0.1:${(slowServer.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => slowServer.close(resolve));
});
beforeEach(() => {
  harness.fake.reset();
  slowHits.length = 0;
  slowSpans.length = 0;
});

const auth = () => ({ authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' });
async function createTool(body: Record<string, unknown>) {
  const response = await harness.request(`/v1/tools`, { method: 'POST', headers: auth(), body: JSON.stringify(body) });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as { id: string; name: string };
}
const promptWithTools = (tools: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  flow: {
    name: 'tools',
    steps: [
      { id: 'ask', name: 'Ask', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'go', outputVariable: 'answer', tools, ...extra } },
    ],
  },
});

test('tools are saved per tenant: create, list, get, patch, delete, with 409, 404 and 422', async () => {
  const created = await createTool({
    name: 'crud_tool',
    description: 'adds',
    toolType: 'custom',
    parametersSchema: { type: 'object', properties: { a: { type: 'number' } } },
    config: { code: 'return 1;' },
  });
  assert.ok(created.id.startsWith('tool_'));
  const duplicate = await harness.request(`/v1/tools`, {
    method: 'POST',
    headers: auth(),
    body: JSON.stringify({ name: 'crud_tool', toolType: 'custom', config: { code: 'x' } }),
  });
  assert.equal(duplicate.status, 409);
  const invalid = await harness.request(`/v1/tools`, {
    method: 'POST',
    headers: auth(),
    body: JSON.stringify({ name: 'bad name!', toolType: 'external', config: {} }),
  });
  assert.equal(invalid.status, 422);
  const invalidBody = (await invalid.json()) as { details: Array<{ path: string }> };
  assert.deepEqual(invalidBody.details.map((detail) => detail.path).sort(), ['config.url', 'name']);
  const listed = (await (await harness.request(`/v1/tools`, { headers: auth() })).json()) as { data: Array<{ name: string }> };
  assert.ok(listed.data.some((tool) => tool.name === 'crud_tool'));
  const patched = await harness.request(`/v1/tools/${created.id}`, {
    method: 'PATCH',
    headers: auth(),
    body: JSON.stringify({ description: 'adds numbers' }),
  });
  assert.equal(((await patched.json()) as { description: string }).description, 'adds numbers');
  const other = await harness.createKey('other-tenant');
  assert.equal((await harness.request(`/v1/tools/${created.id}`, { headers: { authorization: `Bearer ${other}` } })).status, 404);
  assert.equal(
    (await harness.request(`/v1/tools/${created.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${harness.key}` } })).status,
    204,
  );
  assert.equal((await harness.request(`/v1/tools/${created.id}`, { headers: auth() })).status, 404);
});

test('a multi-turn tool loop runs a saved custom tool in the sandbox and streams tool events in all three dialects', async () => {
  const tool = await createTool({
    name: 'add',
    description: 'Adds a and b',
    toolType: 'custom',
    parametersSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
    config: { code: 'console.log("adding"); return { sum: parameters.a + params.b };' },
  });
  harness.fake.script(callOnceThenAnswer('add', { a: 2, b: 3 }));
  const legacy = await readSse(await harness.dispatch(promptWithTools({ toolIds: [tool.id] })));
  const types = legacy.map((event) => event.event);
  assert.deepEqual(
    types.filter((type) => type.startsWith('tool_')),
    ['tool_start', 'tool_input_delta', 'tool_input_delta', 'tool_input_complete', 'tool_complete'],
  );
  for (const event of legacy) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  const complete = legacy.find((event) => event.event === 'tool_complete')!.data;
  assert.deepEqual(complete.result, { sum: 5 });
  assert.equal(complete.success, true);
  assert.equal(complete.toolType, undefined);
  assert.equal(typeof complete.executionTime, 'number');
  assert.equal(legacy.at(-1)!.data.finalOutput, 'tool said: {"sum":5}');
  // The model got the tool definition, then the result in the second request.
  const [first, second] = harness.fake.requests;
  assert.deepEqual(
    (first!.body.tools as Array<{ function: { name: string } }>).map((entry) => entry.function.name),
    ['add'],
  );
  assert.deepEqual(toolResultsIn(second!), [{ toolCallId: 'call_1', content: '{"sum":5}' }]);

  harness.fake.reset();
  harness.fake.script(callOnceThenAnswer('add', { a: 1, b: 1 }));
  const travrse = await readSse(await harness.dispatch(promptWithTools({ toolIds: ['add'] }), { query: 'events=travrse' }));
  const chunks = travrse.filter((event) => event.event === 'step_chunk' && event.data.type !== 'step_chunk');
  assert.deepEqual(
    chunks.map((event) => event.data.type),
    ['tool_call', 'tool_result'],
  );
  assert.deepEqual(chunks[0]!.data.toolCall, { toolId: tool.id, toolName: 'add', toolCallId: 'call_1', args: { a: 1, b: 1 } });
  assert.deepEqual((chunks[1]!.data.toolResult as { result: unknown }).result, { sum: 2 });
  assert.ok(travrse.some((event) => event.event === 'tool_start') && travrse.some((event) => event.event === 'tool_complete'));

  harness.fake.reset();
  harness.fake.script(callOnceThenAnswer('add', { a: 5, b: 5 }));
  const unified = await readSse(await harness.dispatch(promptWithTools({ toolIds: ['add'] }), { query: 'events=unified' }));
  assert.deepEqual(
    unified.map((event) => event.event).filter((type) => type.startsWith('tool_')),
    ['tool_start', 'tool_input_delta', 'tool_input_delta', 'tool_input_complete', 'tool_complete'],
  );
  assert.deepEqual(unified.find((event) => event.event === 'tool_input_complete')!.data.parameters, { a: 5, b: 5 });

  const executionId = String(unified[0]!.data.executionId);
  const stored = (await (await harness.request(`/v1/executions/${executionId}`, { headers: auth() })).json()) as {
    steps: Array<{ toolCalls: Array<{ toolName: string; success: boolean; durationMs: number; costUsd: number }> }>;
  };
  assert.equal(stored.steps[0]!.toolCalls[0]!.toolName, 'add');
  assert.equal(stored.steps[0]!.toolCalls[0]!.success, true);
  assert.equal(typeof stored.steps[0]!.toolCalls[0]!.durationMs, 'number');
});

test('parallelCalls runs the calls of one turn concurrently; false runs them in order', async () => {
  // The tool's server answers the two calls together once both are waiting, else after `delay`: made at once, both
  // are answered as soon as the second arrives (10 s is only a guard); made in order, the first waits out 300 ms
  // alone and only then does the second arrive. Judged by the order of events at that server, never by time.
  const slow = (delay: number) => ({
    name: 'slow',
    toolType: 'external',
    description: 'waits',
    parametersSchema: { type: 'object', properties: { n: { type: 'number' } } },
    config: { url: `${slowUrl}/slow?together=2&delay=${delay}&n={{n}}`, method: 'GET' },
  });
  const twoCalls = (request: import('./support/fake-provider.js').FakeRequest) =>
    toolResultsIn(request).length === 0
      ? {
          toolCalls: [
            { id: 'c1', name: 'slow', arguments: '{"n":1}' },
            { id: 'c2', name: 'slow', arguments: '{"n":2}' },
          ],
        }
      : { text: 'done' };
  for (const parallelCalls of [true, false]) {
    harness.fake.reset();
    harness.fake.script(twoCalls);
    slowSpans.length = 0;
    const response = await harness.dispatch({
      ...promptWithTools({ runtimeTools: [slow(parallelCalls ? 10_000 : 300)], parallelCalls }),
      options: { streamResponse: false },
    });
    const result = (await response.json()) as { finalOutput: string; steps: Array<{ status: string }> };
    assert.equal(result.finalOutput, 'done');
    assert.equal(slowSpans.length, 2);
    const [first, second] = [...slowSpans].sort((a, b) => a.start - b.start) as [
      { start: number; end: number },
      { start: number; end: number },
    ];
    if (parallelCalls) assert.ok(second.start < first.end, 'parallelCalls=true: the second call came before the first was answered');
    else assert.ok(second.start > first.end, 'parallelCalls=false: the second call came only after the first was answered');
  }
});

test('the loop never runs past maxToolCalls; past the limit the model gets a refusal and is asked to answer', async () => {
  harness.fake.script((_request, index) => ({ toolCalls: [{ id: `loop_${index}`, name: 'echo_tool', arguments: '{"x":1}' }] }));
  const response = await harness.dispatch({
    ...promptWithTools({
      maxToolCalls: 3,
      runtimeTools: [{ name: 'echo_tool', toolType: 'custom', config: { code: 'return parameters.x;' } }],
    }),
    options: { streamResponse: false },
  });
  const result = (await response.json()) as { status: string; steps: Array<{ status: string }> };
  assert.equal(result.status, 'completed');
  const executed = toolResultsIn(harness.fake.requests.at(-1)!);
  assert.equal(executed.length, 3, 'the model saw exactly maxToolCalls results');
  const lastRequest = harness.fake.requests.at(-1)!;
  assert.equal(lastRequest.body.tool_choice, 'none', 'after the limit the model is told not to call tools');
  assert.equal(harness.fake.requests.length, 4, 'three calls run, then one final turn');
});

test('perToolLimits cap one tool and force a required one; strategies required and none reach the provider', async () => {
  const tools = [
    { name: 'lookup', toolType: 'custom', config: { code: 'return "found";' } },
    { name: 'audit', toolType: 'custom', config: { code: 'return "audited";' } },
  ];
  harness.fake.script((request) => {
    const results = toolResultsIn(request);
    if (results.length < 3) return { toolCalls: [{ id: `l${results.length}`, name: 'lookup', arguments: '{}' }] };
    return { text: `results: ${results.map((result) => result.content).join(',')}` };
  });
  const response = await harness.dispatch({
    ...promptWithTools({ runtimeTools: tools, perToolLimits: { lookup: { maxCalls: 2 }, audit: { required: true } } }),
    options: { streamResponse: false },
  });
  const result = (await response.json()) as { finalOutput: string };
  assert.match(result.finalOutput, /found,found,.*may be called at most 2 times/);
  assert.deepEqual(
    harness.fake.requests[0]!.body.tool_choice,
    { type: 'function', function: { name: 'audit' } },
    'a required tool is forced until called',
  );

  harness.fake.reset();
  harness.fake.script(() => ({ text: 'plain' }));
  await harness.dispatch({ ...promptWithTools({ runtimeTools: tools, toolCallStrategy: 'required' }), options: { streamResponse: false } });
  assert.equal(harness.fake.requests[0]!.body.tool_choice, 'required');
  harness.fake.reset();
  await harness.dispatch({ ...promptWithTools({ runtimeTools: tools, toolCallStrategy: 'none' }), options: { streamResponse: false } });
  assert.equal(harness.fake.requests[0]!.body.tools, undefined, 'strategy none sends no tools');
});

test('external tools template url, headers and body from arguments and secrets, and respect the SSRF guard', async () => {
  const secret = 'sk-external-secret-77';
  harness.fake.script(callOnceThenAnswer('fetch_order', { id: 'A 1' }));
  const response = await harness.dispatch({
    secrets: { token: secret },
    ...promptWithTools({
      runtimeTools: [
        {
          name: 'fetch_order',
          toolType: 'external',
          config: { url: `${slowUrl}/orders/{{id}}`, headers: { Authorization: 'Bearer {{secrets.token}}' } },
        },
      ],
    }),
    options: { streamResponse: false },
  });
  const text = await response.text();
  assert.ok(!text.includes(secret), 'the secret never comes back');
  assert.deepEqual(slowHits, ['/orders/A%201']);
  const second = harness.fake.requests[1]!;
  assert.match(
    toolResultsIn(second)[0]!.content,
    /"auth":"Bearer sk-external-secret-77"/,
    'the tool saw the secret; the model sees the tool result',
  );

  harness.fake.reset();
  harness.fake.script(callOnceThenAnswer('metadata', {}));
  const blocked = await harness.dispatch({
    ...promptWithTools({
      runtimeTools: [{ name: 'metadata', toolType: 'external', config: { url: 'http://169.254.169.254/latest/meta-data/' } }],
    }),
    options: { streamResponse: false },
  });
  assert.match(((await blocked.json()) as { finalOutput: string }).finalOutput, /link-local \/ metadata/);
});

test('a flow tool runs a stored flow as a child execution and returns its final output', async () => {
  const child = (await (
    await harness.dispatch({
      flow: {
        name: 'Shout',
        steps: [{ id: 'up', name: 'Up', type: 'set-variable', config: { variableName: 'loud', value: '{{text}}!!' } }],
      },
      options: { flowMode: 'create', streamResponse: false },
    })
  ).json()) as { flowId: string };
  const tool = await createTool({
    name: 'shout',
    toolType: 'flow',
    parametersSchema: { type: 'object', properties: { text: { type: 'string' } } },
    config: { flowId: child.flowId },
  });
  harness.fake.script(callOnceThenAnswer('shout', { text: 'hey' }));
  const result = (await (
    await harness.dispatch({ ...promptWithTools({ toolIds: [tool.id] }), options: { streamResponse: false } })
  ).json()) as { finalOutput: string; executionId: string };
  assert.equal(result.finalOutput, 'tool said: hey!!');
  const children = (await (await harness.request(`/v1/executions?flowId=${child.flowId}`, { headers: auth() })).json()) as {
    data: Array<{ id: string; status: string }>;
  };
  assert.ok(children.data.some((execution) => execution.status === 'completed'));
});

test('unknown tool ids are a 422 naming the step before anything runs', async () => {
  const response = await harness.dispatch({ ...promptWithTools({ toolIds: ['tool_missing'] }), options: { streamResponse: false } });
  assert.equal(response.status, 422);
  const body = (await response.json()) as { details: Array<{ path: string; message: string }> };
  assert.equal(body.details[0]!.path, 'flow.steps[0].config.tools.toolIds[0]');
  assert.match(body.details[0]!.message, /'Ask' names tool 'tool_missing'/);
  assert.equal(harness.fake.requests.length, 0);
});
