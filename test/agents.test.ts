import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import type { FakeRequest } from './support/fake-provider.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

const headers = () => ({ authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' });
const systemOf = (request: FakeRequest) =>
  String(((request.body.messages as Array<{ role: string; content: string }>)[0] ?? {}).content ?? '');

async function createAgent(body: Record<string, unknown>) {
  const response = await harness.request(`/v1/agents`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as { id: string; name: string };
}

test('agents are saved per tenant: create, list, get, patch, delete; a bad model is a 422', async () => {
  const agent = await createAgent({ name: 'Helper', description: 'helps', config: { model: 'gpt-4o', systemPrompt: 'Be helpful.' } });
  assert.ok(agent.id.startsWith('agent_'));
  const bad = await harness.request(`/v1/agents`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ name: 'X', config: { model: 'google/gemini-2.5-flash' } }),
  });
  assert.equal(bad.status, 422);
  const listed = (await (await harness.request(`/v1/agents`, { headers: headers() })).json()) as { data: Array<{ id: string }> };
  assert.ok(listed.data.some((entry) => entry.id === agent.id));
  const patched = (await (
    await harness.request(`/v1/agents/${agent.id}`, {
      method: 'PATCH',
      headers: headers(),
      body: JSON.stringify({ description: 'helps more' }),
    })
  ).json()) as { description: string };
  assert.equal(patched.description, 'helps more');
  assert.equal(
    (await harness.request(`/v1/agents/${agent.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${harness.key}` } })).status,
    204,
  );
  assert.equal((await harness.request(`/v1/agents/${agent.id}`, { headers: headers() })).status, 404);
});

test('dispatch {agent:{agentId}, messages} streams agent_* events that validate, with tool calls in the loop', async () => {
  const agent = await createAgent({
    name: 'Calculator',
    config: {
      model: 'gpt-4o',
      systemPrompt: 'You calculate.',
      tools: {
        runtimeTools: [
          {
            name: 'square',
            toolType: 'custom',
            parametersSchema: { type: 'object', properties: { n: { type: 'number' } } },
            config: { code: 'return parameters.n * parameters.n;' },
          },
        ],
      },
      loopConfig: { maxTurns: 4 },
    },
  });
  harness.fake.script((request) =>
    toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'sq', name: 'square', arguments: '{"n":9}' }] }
      : { chunks: ['It is ', '81.'] },
  );
  const events = await readSse(
    await harness.dispatch({ agent: { agentId: agent.id }, messages: [{ role: 'user', content: 'What is 9 squared?' }] }),
  );
  const types = events.map((event) => event.event);
  assert.deepEqual(types, [
    'agent_start',
    'agent_iteration_start',
    'agent_turn_start',
    'agent_tool_start',
    'agent_tool_input_delta',
    'agent_tool_input_delta',
    'agent_turn_complete',
    'agent_tool_input_complete',
    'agent_tool_complete',
    'agent_iteration_complete',
    'agent_iteration_start',
    'agent_turn_start',
    'agent_turn_delta',
    'agent_turn_delta',
    'agent_turn_complete',
    'agent_iteration_complete',
    'agent_complete',
  ]);
  const iterations = events.filter((event) => event.event === 'agent_iteration_complete').map((event) => event.data);
  assert.deepEqual(
    iterations.map((entry) => [entry.iteration, entry.toolCallsMade, entry.stopConditionMet]),
    [
      [1, 1, false],
      [2, 0, true],
    ],
  );
  assert.equal(
    Math.round(Number(iterations[1]!.runningTotalCost) * 1e9),
    Math.round((Number(iterations[0]!.cost) + Number(iterations[1]!.cost)) * 1e9),
    'the running cost is the sum of the iterations',
  );
  assert.ok(Number(iterations[0]!.cost) > 0);
  for (const event of events) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  const start = events[0]!.data;
  assert.deepEqual([start.agentId, start.agentName, start.maxTurns], [agent.id, 'Calculator', 4]);
  const complete = events.at(-1)!.data;
  assert.equal(complete.finalOutput, 'It is 81.');
  assert.equal(complete.iterations, 2);
  assert.equal(complete.stopReason, 'complete');
  assert.equal(events.find((event) => event.event === 'agent_tool_complete')!.data.result, 81);
  assert.equal(systemOf(harness.fake.requests[0]!), 'You calculate.');
});

test('POST /v1/agents/{id}/execute answers JSON; multi-turn chat sends the whole history each time', async () => {
  const agent = await createAgent({ name: 'Chat', model: 'gpt-4o', systemPrompt: 'Chat.' });
  harness.fake.script((request) => ({
    text: `you said ${request.lastUserText} after ${(request.body.messages as unknown[]).length - 2} earlier messages`,
  }));
  const history = [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello!' },
    { role: 'user', content: 'how are you?' },
  ];
  const response = await harness.request(`/v1/agents/${agent.id}/execute`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ messages: history, options: { streamResponse: false } }),
  });
  assert.equal(response.status, 200);
  const result = (await response.json()) as { finalOutput: string; status: string };
  assert.equal(result.finalOutput, 'you said how are you? after 2 earlier messages');
  const sent = harness.fake.requests[0]!.body.messages as Array<{ role: string; content: string }>;
  assert.deepEqual(
    sent.map((message) => message.role),
    ['system', 'user', 'assistant', 'user'],
  );
  const missing = await harness.request(`/v1/agents/${agent.id}/execute`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ messages: [] }),
  });
  assert.equal(missing.status, 422);
  assert.equal(
    (
      await harness.request(`/v1/agents/agent_nope/execute`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ messages: history }),
      })
    ).status,
    404,
  );
});

test('maxTurns stops an agent that keeps calling tools, with stopReason max_turns', async () => {
  harness.fake.script((_request, index) => ({ toolCalls: [{ id: `t${index}`, name: 'noop', arguments: '{}' }] }));
  const response = await harness.dispatch(
    {
      agent: {
        name: 'Looper',
        model: 'gpt-4o',
        tools: { runtimeTools: [{ name: 'noop', toolType: 'custom', config: { code: 'return 1;' } }] },
        loopConfig: { maxTurns: 3 },
      },
      messages: [{ role: 'user', content: 'loop' }],
    },
    { query: 'events=unified' },
  );
  const events = await readSse(response);
  const end = events.at(-1)!;
  assert.equal(end.event, 'execution_complete');
  assert.equal(end.data.stopReason, 'max_turns');
  assert.equal(end.data.iterations, 3);
  assert.equal(harness.fake.requests.length, 3);
  assert.equal(harness.fake.requests.at(-1)!.body.tool_choice, 'none');
});

test('a sub-agent tool runs an isolated child agent; the tree shows who called whom and rolls the cost up', async () => {
  const researcher = await createAgent({ name: 'Researcher', config: { model: 'gpt-4o-mini', systemPrompt: 'You research.' } });
  harness.fake.script((request) => {
    if (systemOf(request) === 'You research.') return { text: `findings about ${request.lastUserText}`, usage: { input: 100, output: 50 } };
    return toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'delegate', name: 'research', arguments: '{"message":"otters"}' }], usage: { input: 10, output: 5 } }
      : { text: `summary: ${toolResultsIn(request)[0]!.content}`, usage: { input: 20, output: 10 } };
  });
  const result = (await (
    await harness.dispatch({
      agent: {
        name: 'Lead',
        model: 'gpt-4o',
        systemPrompt: 'You lead.',
        tools: { runtimeTools: [{ name: 'research', toolType: 'subagent', config: { agentId: researcher.id } }] },
      },
      messages: [{ role: 'user', content: 'tell me about otters' }],
      options: { streamResponse: false },
    })
  ).json()) as { executionId: string; finalOutput: string; usage: { costUsd: number } };
  assert.equal(result.finalOutput, 'summary: findings about otters');
  const tree = (await (await harness.request(`/v1/executions/${result.executionId}/tree`, { headers: headers() })).json()) as Record<
    string,
    any
  >;
  assert.equal(tree.kind, 'agent');
  assert.equal(tree.children.length, 1);
  const child = tree.children[0];
  assert.equal(child.name, 'Researcher');
  assert.equal(child.depth, 1);
  assert.equal(child.parentToolCallId, 'delegate');
  assert.equal(tree.toolCalls[0].spawnedExecutionId, child.executionId);
  const childCost = (100 * 0.15 + 50 * 0.6) / 1e6;
  const parentCost = (30 * 2.5 + 15 * 10) / 1e6;
  assert.equal(child.cumulativeCostUsd, childCost);
  assert.equal(tree.cumulativeCostUsd, Math.round((childCost + parentCost) * 1e9) / 1e9, 'the child cost rolls up');
  assert.equal(tree.costUsd, Math.round(parentCost * 1e9) / 1e9, 'direct cost excludes the child');
});

test('an execute-agent step runs a saved agent inside a flow', async () => {
  const agent = await createAgent({ name: 'Summarizer', config: { model: 'gpt-4o', systemPrompt: 'Summarize.' } });
  harness.fake.script((request) => ({ text: `short: ${request.lastUserText}` }));
  const result = (await (
    await harness.dispatch({
      record: { metadata: { article: 'long text' } },
      flow: {
        name: 'f',
        steps: [
          {
            id: 's',
            name: 'S',
            type: 'execute-agent',
            config: { agentId: agent.id, message: 'Summarize {{_record.metadata.article}}', outputVariable: 'summary' },
          },
        ],
      },
      options: { streamResponse: false },
    })
  ).json()) as { output: { summary: string } };
  assert.equal(result.output.summary, 'short: Summarize long text');
});

test('an agent with loopConfig.enableReflection reflects after an iteration that used tools, without tools, and pays for it', async () => {
  harness.fake.reset();
  harness.fake.script((request) => {
    if (/reflect on your progress/.test(request.lastUserText))
      return { text: 'I have the number; next I answer.', usage: { input: 40, output: 9 } };
    return toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'c1', name: 'noop', arguments: '{}' }], usage: { input: 10, output: 5 } }
      : { text: 'answer', usage: { input: 20, output: 5 } };
  });
  const events = await readSse(
    await harness.dispatch({
      agent: {
        name: 'Reflective',
        model: 'gpt-4o',
        loopConfig: { maxTurns: 4, enableReflection: true },
        tools: { runtimeTools: [{ name: 'noop', toolType: 'custom', config: { code: 'return 1;' } }] },
      },
      messages: [{ role: 'user', content: 'go' }],
    }),
  );
  const reflection = events.find((event) => event.event === 'agent_reflection')!;
  assert.deepEqual([reflection.data.iteration, reflection.data.reflection], [1, 'I have the number; next I answer.']);
  const reflected = harness.fake.requests.find((request) => /reflect on your progress/.test(request.lastUserText))!;
  assert.equal(reflected.body.tools, undefined, 'reflection is asked without tools');
  assert.equal(harness.fake.requests.length, 3);
  const complete = events.at(-1)!.data as { totalCost?: number };
  const expected = ((10 + 40 + 20) * 2.5 + (5 + 9 + 5) * 10) / 1e6;
  assert.equal(Math.round(Number(complete.totalCost) * 1e9), Math.round(expected * 1e9), 'the reflection is paid for');
});
