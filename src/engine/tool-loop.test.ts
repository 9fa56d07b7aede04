import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlow } from './run-flow.js';
import { resumeAfter, scriptedModels, scriptedTools, testEngine, testRequest } from './testing.js';

const signal = () => new AbortController().signal;
const agentStep = (tools: Record<string, unknown>) => ({
  id: 'ask',
  name: 'Ask',
  type: 'prompt',
  config: { model: 'gpt-4o', userPrompt: 'add things', tools },
});
const adder = { runtimeTools: [{ name: 'add', toolType: 'custom', parametersSchema: { type: 'object' }, config: { code: 'unused' } }] };

test("the loop runs each tool the model calls, feeds the results back, and ends with the model's answer", async () => {
  const models = scriptedModels((_request, index) =>
    index < 2
      ? { toolCalls: [{ toolCallId: `call_${index}`, toolName: 'add', input: JSON.stringify({ a: index, b: 10 }) }] }
      : { chunks: ['sum done'] },
  );
  const tools = scriptedTools({ add: (args) => ({ ok: true, result: Number(args.a) + Number(args.b), costUsd: 0 }) });
  const deps = testEngine({ models, tools });
  const outcome = await runFlow(deps, testRequest([agentStep(adder)]), signal());
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.output.ask, 'sum done');
  assert.deepEqual(tools.calls, [
    { name: 'add', args: { a: 0, b: 10 } },
    { name: 'add', args: { a: 1, b: 10 } },
  ]);
  const lastRequest = JSON.stringify(models.requests.at(-1)!.messages);
  assert.match(lastRequest, /"output":10/);
  assert.match(lastRequest, /"output":11/);
  const toolEvents = deps.events.types().filter((type) => type.startsWith('tool_'));
  assert.deepEqual(toolEvents.slice(0, 4), ['tool_start', 'tool_input_delta', 'tool_input_complete', 'tool_result']);
  assert.equal(toolEvents.filter((type) => type === 'tool_complete').length, 2);
  assert.ok(deps.checkpoints.loops.length >= 2, 'the loop is journaled before the model sees each result');
});

test('maxToolCalls ends the loop', async () => {
  const models = scriptedModels((_request, index) => ({
    toolCalls: [{ toolCallId: `call_${index}`, toolName: 'add', input: '{"a":1,"b":1}' }],
  }));
  const tools = scriptedTools({ add: () => ({ ok: true, result: 2, costUsd: 0 }) });
  const outcome = await runFlow(testEngine({ models, tools }), testRequest([agentStep({ ...adder, maxToolCalls: 3 })]), signal());
  assert.equal(outcome.status, 'completed');
  assert.equal(tools.calls.length, 3);
});

test('a tool the client runs pauses the loop with the pending call', async () => {
  const models = scriptedModels(() => ({ toolCalls: [{ toolCallId: 'call_page', toolName: 'read_page', input: '{"selector":"h1"}' }] }));
  const deps = testEngine({ models });
  const outcome = await runFlow(
    deps,
    testRequest([agentStep({})], {
      clientTools: [
        {
          id: 'read_page',
          name: 'read_page',
          description: 'reads',
          toolType: 'local',
          parametersSchema: { type: 'object' },
          config: { origin: 'webmcp' },
        },
      ],
    }),
    signal(),
  );
  assert.equal(outcome.status, 'paused');
  assert.deepEqual(
    outcome.pause?.pending.map((call) => [call.toolCallId, call.toolName, call.parameters]),
    [['call_page', 'read_page', { selector: 'h1' }]],
  );
  assert.deepEqual(deps.events.types().slice(-2), ['await', 'flow_paused']);
});

test('a tool failure reaches the model as an error result, and the loop goes on', async () => {
  const models = scriptedModels((_request, index) =>
    index === 0 ? { toolCalls: [{ toolCallId: 'call_1', toolName: 'add', input: '{}' }] } : { chunks: ['recovered'] },
  );
  const tools = scriptedTools({ add: () => ({ ok: false, error: { code: 'SANDBOX_ERROR', message: 'it threw' } }) });
  const deps = testEngine({ models, tools });
  const outcome = await runFlow(deps, testRequest([agentStep(adder)]), signal());
  assert.equal(outcome.output.ask, 'recovered');
  const complete = deps.events.events.find((event) => event.type === 'tool_complete');
  assert.equal(complete?.type === 'tool_complete' && complete.success, false);
  assert.match(JSON.stringify(models.requests[1]!.messages), /it threw/);
});

test('a crash after the model answered resumes with the same turn: no second model call, the same tool-call ids', async () => {
  const first = scriptedModels((_request, index) =>
    index === 0 ? { toolCalls: [{ toolCallId: 'call_A', toolName: 'add', input: '{"a":1,"b":2}' }] } : { chunks: ['3'] },
  );
  const firstRun = testEngine({ models: first, tools: scriptedTools({ add: () => ({ ok: true, result: 3, costUsd: 0 }) }) });
  await runFlow(firstRun, testRequest([agentStep(adder)]), signal());
  // The first journal entry holds the model's answer, written before the tool ran: where a crash would resume.
  const journaled = firstRun.checkpoints.loops[0]!.state as { messages: Array<{ role: string }> };
  assert.equal(journaled.messages.at(-1)!.role, 'assistant');

  const seen: string[] = [];
  const again = scriptedModels(() => ({ chunks: ['3'] }));
  const recovered = await runFlow(
    testEngine({
      models: again,
      tools: scriptedTools({
        add: (_args, context) => {
          seen.push(context.toolCallId);
          return { ok: true, result: 3, costUsd: 0 };
        },
      }),
    }),
    { ...testRequest([agentStep(adder)]), resume: { ...resumeAfter(), pausedStepId: 'ask', loop: journaled as never } },
    signal(),
  );
  assert.equal(recovered.output.ask, '3');
  assert.deepEqual(seen, ['call_A'], 'the tool runs once more with the id the model gave');
  assert.equal(again.requests.length, 1, 'only the turn after the tool calls the model');
  assert.match(JSON.stringify(again.requests[0]!.messages), /call_A/);
});
