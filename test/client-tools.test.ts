import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

const auth = (key = harness.key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const clientTool = {
  name: 'get_page_title',
  description: 'Reads the title of the page the user is on',
  parametersSchema: { type: 'object', properties: { selector: { type: 'string' } } },
};
const body = (extra: Record<string, unknown> = {}) => ({
  clientTools: [clientTool],
  flow: {
    name: 'widget',
    steps: [
      {
        id: 'ask',
        name: 'Ask',
        type: 'prompt',
        config: {
          model: 'gpt-4o',
          userPrompt: 'what page is this?',
          outputVariable: 'answer',
          tools: { runtimeTools: [{ name: 'server_clock', toolType: 'custom', config: { code: 'return "12:00";' } }] },
        },
      },
      { id: 'after', name: 'After', type: 'set-variable', config: { variableName: 'echo', value: 'answer was {{answer}}' } },
    ],
  },
  ...extra,
});

/** The model calls the server tool and the client tool in one turn, then answers with both results. */
function scriptModel() {
  harness.fake.script((request) => {
    const results = toolResultsIn(request);
    if (results.length === 0) {
      return {
        toolCalls: [
          { id: 'call_clock', name: 'server_clock', arguments: '{}' },
          { id: 'call_title', name: 'get_page_title', arguments: '{"selector":"h1"}' },
        ],
      };
    }
    return { text: `page ${results.map((result) => result.content).join(' at ')}` };
  });
}

test('a client tool pauses the run (stream ends without completion); resume continues the same execution', async () => {
  scriptModel();
  const paused = await readSse(await harness.dispatch(body()));
  const types = paused.map((event) => event.event);
  assert.deepEqual(types.slice(-2), ['step_await', 'flow_await']);
  assert.ok(!types.includes('flow_complete'), 'no completion while paused');
  for (const event of paused) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  const awaitEvent = paused.at(-2)!.data;
  assert.equal(awaitEvent.awaitReason, 'local_tool_required');
  assert.equal(awaitEvent.toolCallId, 'call_title');
  assert.deepEqual(awaitEvent.parameters, { selector: 'h1' });
  const executionId = String(paused[0]!.data.executionId);
  const stored = (await (await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: auth() })).json()) as { status: string };
  assert.equal(stored.status, 'paused');

  const resumed = await fetch(`${harness.baseUrl}/v1/dispatch/resume`, {
    method: 'POST',
    headers: auth(),
    body: JSON.stringify({ executionId, toolOutputs: { call_title: 'Pricing' }, streamResponse: true }),
  });
  assert.equal(resumed.status, 200);
  const rest = await readSse(resumed);
  assert.ok(!rest.some((event) => event.event === 'flow_start'), 'no second start event');
  assert.equal(rest.at(-1)!.event, 'flow_complete');
  assert.equal(rest.at(-1)!.data.finalOutput, 'answer was page 12:00 at Pricing');
  assert.equal(String(rest[0]!.data.executionId), executionId);
  const seqs = [...paused, ...rest].map((event) => Number(event.id));
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'one sequence across the pause',
  );
  assert.ok(
    Math.min(...rest.map((event) => Number(event.id))) > Math.max(...paused.map((event) => Number(event.id))),
    'continues after the stored events',
  );
  // The model saw both results: the server tool's and the client's.
  assert.deepEqual(
    toolResultsIn(harness.fake.requests.at(-1)!).map((result) => result.content),
    ['12:00', 'Pricing'],
  );
  // The full replay is the paused stream plus the continuation.
  const replay = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events`, { headers: auth() }));
  assert.deepEqual(
    replay.map((event) => event.id),
    [...paused, ...rest].map((event) => event.id),
  );
});

test('resume answers 404, 403, 409 and 422 as documented; outputs may be keyed by tool name', async () => {
  scriptModel();
  const paused = await readSse(await harness.dispatch(body()));
  const executionId = String(paused[0]!.data.executionId);
  const resume = (payload: unknown, key?: string) =>
    fetch(`${harness.baseUrl}/v1/dispatch/resume`, { method: 'POST', headers: auth(key), body: JSON.stringify(payload) });
  assert.equal((await resume({ executionId: 'exec_nope', toolOutputs: {} })).status, 404);
  assert.equal((await resume({ executionId, toolOutputs: {} }, await harness.createKey('someone-else'))).status, 403);
  const missing = await resume({ executionId, toolOutputs: { wrong: 1 } });
  assert.equal(missing.status, 422);
  assert.match(await missing.text(), /get_page_title \(call_title\)/);
  const json = await resume({ executionId, toolOutputs: { get_page_title: 'Docs' }, streamResponse: false });
  assert.equal(json.status, 200);
  assert.equal(((await json.json()) as { finalOutput: string }).finalOutput, 'answer was page 12:00 at Docs');
  assert.equal((await resume({ executionId, toolOutputs: { get_page_title: 'again' } })).status, 409, 'a finished run is not paused');
});

test('the unified vocabulary ends a paused stream with await; Travrse with tool_waiting_local and flow_paused', async () => {
  scriptModel();
  const unified = await readSse(await harness.dispatch(body(), { query: 'events=unified' }));
  assert.equal(unified.at(-1)!.event, 'await');
  assert.equal(unified.at(-1)!.data.toolName, 'get_page_title');
  assert.ok(!unified.some((event) => event.event === 'execution_complete'));
  harness.fake.reset();
  scriptModel();
  const travrse = await readSse(await harness.dispatch(body(), { query: 'events=travrse' }));
  assert.deepEqual(
    travrse.slice(-2).map((event) => event.event),
    ['tool_waiting_local', 'flow_paused'],
  );
  // Non-streaming dispatch reports the pause and what it waits for.
  harness.fake.reset();
  scriptModel();
  const json = (await (await harness.dispatch({ ...body(), options: { streamResponse: false } })).json()) as Record<string, any>;
  assert.equal(json.status, 'paused');
  assert.equal(json.pendingToolCalls[0].toolName, 'get_page_title');
  assert.equal(json.paused_reason.type, 'local_action');
});

test('a paused run survives a server restart: the pause is stored, not held in memory; a page tool keeps its origin', async () => {
  const { startHarness: start } = await import('./support/harness.js');
  const first = await start();
  // The model asks for the page tool, then (after the restart and the resume) for it again, then answers.
  first.fake.script((request) => {
    const done = toolResultsIn(request).length;
    return done < 2 ? { toolCalls: [{ id: `c${done + 1}`, name: 'get_page_title', arguments: '{}' }] } : { text: 'resumed fine' };
  });
  const pageTool = { ...clientTool, origin: 'webmcp', pageOrigin: 'https://shop.example.com' };
  const paused = await readSse(
    await first.dispatch({
      clientTools: [pageTool],
      flow: { name: 'w', steps: [{ id: 'a', name: 'A', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi' } }] },
    }),
  );
  const executionId = String(paused[0]!.data.executionId);
  const restarted = await first.restart();
  const resume = (toolOutputs: Record<string, string>, query = '') =>
    fetch(`${restarted.baseUrl}/v1/dispatch/resume${query}`, {
      method: 'POST',
      headers: auth(first.key),
      body: JSON.stringify({ executionId, toolOutputs, streamResponse: true }),
    });
  const again = await readSse(await resume({ c1: 'T' }));
  const final = await readSse(await resume({ c2: 'T2' }));
  assert.equal(final.at(-1)!.data.finalOutput, 'resumed fine');
  // Every frame that announces or awaits the page tool says where it runs, before and after the restart.
  const origin = ['webmcp', 'https://shop.example.com'];
  for (const frame of [...paused, ...again].filter((event) => ['step_await', 'flow_await', 'tool_start'].includes(event.event))) {
    assert.deepEqual([frame.data.origin, frame.data.pageOrigin], origin, JSON.stringify(frame.data));
  }
  assert.equal(again.filter((event) => event.event === 'step_await').length, 1);
  const unified = await readSse(
    await fetch(`${restarted.baseUrl}/v1/executions/${executionId}/events?events=unified`, { headers: auth(first.key) }),
  );
  const awaits = unified.filter((event) => event.event === 'await');
  assert.equal(awaits.length, 2);
  for (const frame of awaits) assert.deepEqual([frame.data.origin, frame.data.pageOrigin], origin);
  await restarted.close();
});
