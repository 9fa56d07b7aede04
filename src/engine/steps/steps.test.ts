import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlow } from '../run-flow.js';
import { memoryRecords, resumeAfter, scriptedTools, testEngine, testRequest } from '../testing.js';

const signal = () => new AbortController().signal;

test('template renders Liquid over the variables and refuses a bomb at the render limit', async () => {
  const ok = await runFlow(
    testEngine(),
    testRequest(
      [{ id: 't', name: 't', type: 'template', config: { template: '{% for i in (1..3) %}{{ i }}{% endfor %} {{ name | upcase }}' } }],
      { inputs: { name: 'ada' } },
    ),
    signal(),
  );
  assert.equal(ok.output.t, '123 ADA');
  const bomb = await runFlow(
    testEngine(),
    testRequest([
      {
        id: 't',
        name: 't',
        type: 'template',
        config: { template: '{% for i in (1..300) %}{% for j in (1..300) %}{% for k in (1..300) %}x{% endfor %}{% endfor %}{% endfor %}' },
      },
    ]),
    signal(),
  );
  assert.equal(bomb.status, 'failed');
  assert.equal(bomb.error?.code, 'TEMPLATE_ERROR');
});

test("set-variable keeps a single placeholder's type and renders text templates", async () => {
  const outcome = await runFlow(
    testEngine(),
    testRequest(
      [
        { id: 'a', name: 'a', type: 'set-variable', config: { variableName: 'items', value: '{{list}}' } },
        { id: 'b', name: 'b', type: 'set-variable', config: { variableName: 'text', value: 'first is {{list[0]}}' } },
      ],
      { inputs: { list: [1, 2] } },
    ),
    signal(),
  );
  assert.deepEqual(outcome.output.items, [1, 2]);
  assert.equal(outcome.output.text, 'first is 1');
});

test('transform-data runs in the sandbox port over the variables; a sandbox error keeps its code', async () => {
  const tools = scriptedTools({}, (_code, variables) => ({ ok: true, result: { doubled: Number(variables.n) * 2 }, costUsd: 0 }));
  const outcome = await runFlow(
    testEngine({ tools }),
    testRequest([{ id: 't', name: 't', type: 'transform-data', config: { script: 'return { doubled: n * 2 };' } }], { inputs: { n: 21 } }),
    signal(),
  );
  assert.deepEqual(outcome.output.t, { doubled: 42 });
  const failing = scriptedTools({}, () => ({ ok: false, error: { code: 'SANDBOX_TIMEOUT', message: 'too slow' } }));
  const failed = await runFlow(
    testEngine({ tools: failing }),
    testRequest([{ id: 't', name: 't', type: 'transform-data', config: { script: 'while(true){}' } }]),
    signal(),
  );
  assert.equal(failed.error?.code, 'SANDBOX_TIMEOUT');
});

test('fetch-url and api-call go through the HTTP tool port; a failure keeps the HTTP code', async () => {
  const tools = scriptedTools({
    http: (_args, context) => ({
      ok: true,
      result: { url: 'seen', execution: context.executionId, data: { items: [{ name: 'first' }] } },
      costUsd: 0,
    }),
  });
  const outcome = await runFlow(
    testEngine({ tools }),
    testRequest(
      [
        { id: 'f', name: 'f', type: 'fetch-url', config: { url: 'https://api.example/{{q}}' } },
        {
          id: 'c',
          name: 'c',
          type: 'api-call',
          config: { http: { url: 'https://api.example/x', method: 'POST', headers: {} }, responseMapping: { first: 'data.items[0].name' } },
        },
      ],
      { inputs: { q: 'search' } },
    ),
    signal(),
  );
  assert.equal((outcome.output.f as { url: string }).url, 'seen');
  assert.deepEqual(outcome.output.c, { first: 'first' });
  const failing = scriptedTools({ http: () => ({ ok: false, error: { code: 'SSRF_BLOCKED', message: 'refused' } }) });
  const failed = await runFlow(
    testEngine({ tools: failing }),
    testRequest([{ id: 'f', name: 'f', type: 'fetch-url', config: { url: 'http://10.0.0.1/' } }]),
    signal(),
  );
  assert.equal(failed.error?.code, 'SSRF_BLOCKED');
});

test('upsert-record creates then merges; retrieve-record reads it back', async () => {
  const records = memoryRecords();
  const outcome = await runFlow(
    testEngine({ records }),
    testRequest([
      { id: 'u1', name: 'u1', type: 'upsert-record', config: { recordType: 'customer', recordName: 'Ada', metadata: { plan: 'free' } } },
      { id: 'u2', name: 'u2', type: 'upsert-record', config: { recordType: 'customer', recordName: 'Ada', metadata: { seats: 3 } } },
      { id: 'r', name: 'r', type: 'retrieve-record', config: { recordType: 'customer', recordName: 'Ada', outputVariable: 'found' } },
    ]),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.equal(records.records.length, 1);
  assert.deepEqual(records.records[0]!.metadata, { plan: 'free', seats: 3 });
  assert.match(JSON.stringify(outcome.output.found), /"seats":3/);
});

test('tool-call runs a saved tool with templated parameters and streams its tool events', async () => {
  const tools = scriptedTools({ multiply: (args) => ({ ok: true, result: Number(args.a) * Number(args.b), costUsd: 0 }) });
  const deps = testEngine({ tools });
  const outcome = await runFlow(
    deps,
    testRequest(
      [
        {
          id: 't',
          name: 't',
          type: 'tool-call',
          config: { toolId: 'multiply', parameters: { a: '{{x}}', b: 6 }, outputVariable: 'product' },
        },
      ],
      {
        inputs: { x: 7 },
        tools: { multiply: { id: 'tool_1', name: 'multiply', description: '', toolType: 'custom', parametersSchema: {}, config: {} } },
      },
    ),
    signal(),
  );
  assert.equal(outcome.output.product, 42);
  assert.deepEqual(
    deps.events.types().filter((type) => type.startsWith('tool_')),
    ['tool_start', 'tool_input_complete', 'tool_result', 'tool_complete'],
  );
});

test("execute-agent runs the agent through the tool port with the rendered message; its cost is the step's", async () => {
  const tools = scriptedTools({ Delegate: (args) => ({ ok: true, result: `agent saw: ${String(args.message)}`, costUsd: 0.002 }) });
  const outcome = await runFlow(
    testEngine({ tools }),
    testRequest([{ id: 'a', name: 'Delegate', type: 'execute-agent', config: { agentId: 'agent_1', message: 'summarise {{topic}}' } }], {
      inputs: { topic: 'otters' },
    }),
    signal(),
  );
  assert.equal(outcome.output.a, 'agent saw: summarise otters');
  assert.equal(outcome.usage.costUsd, 0.002);
});

test('update-record merges into a stored record found by id', async () => {
  const records = memoryRecords([{ id: 'rec_1', name: 'Ada', type: 'customer', metadata: { plan: 'free' }, created: false }]);
  const outcome = await runFlow(
    testEngine({ records }),
    testRequest([{ id: 'u', name: 'u', type: 'update-record', config: { recordId: 'rec_1', updates: { plan: 'pro' } } }]),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(records.records[0]!.metadata, { plan: 'pro' });
});

test('an approval step pauses the run with its request; a denial fails it when onDenied is fail', async () => {
  const paused = await runFlow(
    testEngine(),
    testRequest([{ id: 'ok', name: 'OK?', type: 'approval', config: { message: 'Ship {{what}}?' } }], { inputs: { what: 'v2' } }),
    signal(),
  );
  assert.equal(paused.status, 'paused');
  const approval = paused.pause!.approvals[0]!;
  assert.equal(approval.description, 'Ship v2?');
  const denied = await runFlow(
    testEngine(),
    {
      ...testRequest([{ id: 'ok', name: 'OK?', type: 'approval', config: { message: 'Ship?' } }]),
      resume: {
        ...resumeAfter(),
        pausedStepId: 'ok',
        approvals: [approval],
        decisions: { [approval.approvalId]: { decision: 'denied', resolvedBy: 'user', reason: 'not today' } },
      },
    },
    signal(),
  );
  assert.equal(denied.status, 'failed');
  assert.match(denied.error!.message, /denied: not today/);
});
