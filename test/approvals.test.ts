import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';
import { waitFor } from './support/wait-for.js';

let harness: Harness;
let sideEffects: Server;
let sideEffectsUrl: string;
const executed: string[] = [];
before(async () => {
  sideEffects = createServer((request, response) => {
    executed.push(String(request.headers['idempotency-key']));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"deleted":true}');
  });
  await new Promise<void>((resolve) => sideEffects.listen(0, '127.0.0.1', resolve));
  sideEffectsUrl = `http://127.0.0.1:${(sideEffects.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1', FLOWRUN_APPROVAL_SWEEP_MS: '50' });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => sideEffects.close(resolve));
});
beforeEach(() => {
  harness.fake.reset();
  executed.length = 0;
  harness.fake.script((request) =>
    toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'del_1', name: 'delete_file', arguments: '{"path":"/tmp/x"}' }] }
      : { text: `result: ${toolResultsIn(request)[0]!.content}` },
  );
});

const headers = () => ({ authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' });
const deleteTool = () => ({
  name: 'delete_file',
  description: 'Deletes a file',
  toolType: 'external',
  config: { url: `${sideEffectsUrl}/delete`, method: 'POST' },
});
const guarded = (approval: Record<string, unknown> = { require: ['delete_file'] }) => ({
  flow: {
    name: 'guarded',
    steps: [
      {
        id: 'ask',
        name: 'Ask',
        type: 'prompt',
        config: { model: 'gpt-4o', userPrompt: 'clean up', tools: { runtimeTools: [deleteTool()], approval } },
      },
    ],
  },
});
const post = (path: string, body: unknown) =>
  fetch(`${harness.baseUrl}${path}`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });

test('a tool that needs approval pauses the run; approving runs it once and streams the rest, starting with the decision', async () => {
  const paused = await readSse(await harness.dispatch(guarded()));
  const last = paused.at(-1)!;
  assert.equal(last.event, 'step_await');
  assert.equal(last.data.awaitReason, 'approval_required');
  assert.equal(last.data.toolName, 'delete_file');
  for (const event of paused) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  assert.deepEqual(executed, [], 'nothing ran before the decision');
  const executionId = String(paused[0]!.data.executionId);
  const approvalId = String(last.data.approvalId);
  const pending = (await (await fetch(`${harness.baseUrl}/v1/approvals?status=pending`, { headers: headers() })).json()) as {
    data: Array<{ id: string; toolName: string; executionId: string }>;
  };
  assert.ok(pending.data.some((entry) => entry.id === approvalId && entry.toolName === 'delete_file' && entry.executionId === executionId));
  const status = (await (await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: headers() })).json()) as {
    status: string;
  };
  assert.equal(status.status, 'paused');

  const approved = await post('/v1/dispatch/approve', { executionId, approvalId, decision: 'approved', reason: 'fine' });
  assert.equal(approved.status, 200);
  const rest = await readSse(approved);
  assert.equal(rest[0]!.event, 'agent_approval_complete');
  assert.deepEqual([rest[0]!.data.decision, rest[0]!.data.resolvedBy], ['approved', 'user']);
  assert.equal(rest.at(-1)!.event, 'flow_complete');
  assert.equal(rest.at(-1)!.data.finalOutput, 'result: {"deleted":true}');
  for (const event of rest) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  assert.deepEqual(executed, [`${executionId}:del_1`], 'the tool ran once, after approval');
  assert.equal(
    (await post('/v1/dispatch/approve', { executionId, approvalId, decision: 'denied' })).status,
    409,
    'a second decision is refused',
  );
});

test('a denied tool is not run; the model is told and answers', async () => {
  const paused = await readSse(await harness.dispatch(guarded(), { query: 'events=unified' }));
  const start = paused.find((event) => event.event === 'approval_start')!;
  assert.equal(start.data.toolName, 'delete_file');
  const executionId = String(paused[0]!.data.executionId);
  const denied = await readSse(
    await post('/v1/dispatch/approve?events=unified', {
      executionId,
      approvalId: start.data.approvalId,
      decision: 'denied',
      reason: 'too risky',
    }),
  );
  assert.equal(denied[0]!.event, 'approval_complete');
  assert.equal(denied[0]!.data.decision, 'denied');
  assert.equal(denied.at(-1)!.event, 'execution_complete');
  assert.match(String(denied.at(-1)!.data.finalOutput), /not run: the approver denied it: too risky/);
  assert.deepEqual(executed, []);
});

test('an approval nobody decides resolves as timeout by itself, without any request', async () => {
  const paused = await readSse(await harness.dispatch(guarded({ require: true, timeout: 200 })));
  const executionId = String(paused[0]!.data.executionId);
  const execution = await waitFor(async () => {
    const current = (await (await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: headers() })).json()) as Record<
      string,
      any
    >;
    return current.status === 'completed' && current;
  }, 'the undecided run completed by its timeout');
  assert.match(String(execution.finalOutput), /no one approved it in time/);
  const events = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events`, { headers: headers() }));
  const decision = events.find((event) => event.event === 'agent_approval_complete')!;
  assert.deepEqual([decision.data.decision, decision.data.resolvedBy], ['timeout', 'system']);
  assert.deepEqual(executed, []);
});

test('an approval step pauses; denied with onDenied fail fails the step; continue takes an approval decision', async () => {
  const flow = (onDenied: string) => ({
    flow: {
      name: 'gate',
      steps: [
        {
          id: 'gate',
          name: 'Gate',
          type: 'approval',
          config: { message: 'Publish {{_record.name}}?', data: { draft: '{{_record.metadata.text}}' }, onDenied },
        },
        { id: 'after', name: 'After', type: 'set-variable', config: { variableName: 'done', value: 'published' } },
      ],
    },
    record: { name: 'Post 1', metadata: { text: 'hello' } },
  });
  const paused = await readSse(await harness.dispatch(flow('fail'), { query: 'events=unified' }));
  const start = paused.find((event) => event.event === 'approval_start')!;
  assert.equal(start.data.description, 'Publish Post 1?');
  assert.deepEqual(start.data.parameters, { data: { draft: 'hello' } });
  const executionId = String(paused[0]!.data.executionId);
  const denied = await readSse(
    await post('/v1/dispatch/continue?events=unified', {
      executionId,
      continuation: { approvalId: start.data.approvalId, decision: 'denied', reason: 'not yet' },
    }),
  );
  assert.equal(denied.at(-1)!.event, 'execution_error');
  assert.match(String((denied.at(-1)!.data.error as { message: string }).message), /denied: not yet/);

  const second = await readSse(await harness.dispatch(flow('fail')));
  const secondId = String(second[0]!.data.executionId);
  const approvalId = String(second.at(-1)!.data.approvalId);
  const approved = (await (
    await post('/v1/dispatch/continue', {
      executionId: secondId,
      streamResponse: false,
      continuation: { type: 'approval', approvalId, decision: 'approved' },
    })
  ).json()) as { status: string; output: Record<string, any> };
  assert.equal(approved.status, 'completed');
  assert.equal(approved.output.done, 'published');
  assert.equal(approved.output.gate.decision, 'approved');
});

test('continue and resume answer 404, 403 and 409; a paused run can be cancelled', async () => {
  assert.equal((await post('/v1/dispatch/continue', { executionId: 'exec_nope', continuation: { toolOutputs: {} } })).status, 404);
  const paused = await readSse(await harness.dispatch(guarded()));
  const executionId = String(paused[0]!.data.executionId);
  const other = await harness.createKey('stranger');
  const foreign = await fetch(`${harness.baseUrl}/v1/dispatch/approve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
    body: JSON.stringify({ executionId, approvalId: paused.at(-1)!.data.approvalId, decision: 'approved' }),
  });
  assert.equal(foreign.status, 403);
  assert.equal((await post('/v1/dispatch/approve', { executionId, approvalId: 'appr_nope', decision: 'approved' })).status, 404);
  const cancel = await post(`/v1/executions/${executionId}/cancel`, {});
  assert.equal(cancel.status, 200);
  const events = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events`, { headers: headers() }));
  assert.equal(events.at(-1)!.event, 'flow_error');
  assert.equal((events.at(-1)!.data.error as { code: string }).code, 'CANCELLED');
  assert.equal((await post('/v1/dispatch/resume', { executionId, toolOutputs: {} })).status, 409, 'a cancelled run is not paused');
  assert.equal(
    (await post('/v1/dispatch/approve', { executionId, approvalId: paused.at(-1)!.data.approvalId, decision: 'approved' })).status,
    409,
  );
});

test('agents stream agent_approval_start, and /v1/agents/{id}/approve continues them', async () => {
  const agent = (await (
    await post('/v1/agents', {
      name: 'Cleaner',
      config: { model: 'gpt-4o', tools: { runtimeTools: [deleteTool()], approval: { require: true, timeout: 60000 } } },
    })
  ).json()) as { id: string };
  const paused = await readSse(await harness.dispatch({ agent: { agentId: agent.id }, messages: [{ role: 'user', content: 'clean' }] }));
  const start = paused.find((event) => event.event === 'agent_approval_start')!;
  assert.ok(start, paused.map((event) => event.event).join(','));
  assert.equal(validateRuntypeFrame(start.data), null);
  assert.equal(start.data.timeout, 60000);
  const executionId = String(paused[0]!.data.executionId);
  const rest = await readSse(
    await post(`/v1/agents/${agent.id}/approve`, { executionId, approvalId: start.data.approvalId, decision: 'approved' }),
  );
  assert.equal(rest[0]!.event, 'agent_approval_complete');
  assert.equal(rest.at(-1)!.event, 'agent_complete');
  assert.equal(executed.length, 1);
});

test('a decision recorded by a server that died before continuing the run is picked up: the run is not stuck paused', async () => {
  const paused = await readSse(
    await harness.dispatch({
      flow: {
        name: 'stranded',
        steps: [
          { id: 'gate', name: 'Gate', type: 'approval', config: { message: 'go?' } },
          { id: 'after', name: 'After', type: 'set-variable', config: { variableName: 'done', value: 'yes' } },
        ],
      },
    }),
  );
  const executionId = String(paused[0]!.data.executionId);
  const { openDatabase } = await import('../src/config.js');
  const db = await openDatabase(harness.config);
  try {
    // What a SIGKILL right after the decision's commit leaves: the approval decided, the run still paused.
    await db
      .updateTable('approvals')
      .set({ status: 'approved', decided_at: new Date(Date.now() - 10_000).toISOString(), decided_by: 'user' })
      .where('execution_id', '=', executionId)
      .execute();
  } finally {
    await db.destroy();
  }
  await waitFor(
    async () =>
      ((await (await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: headers() })).json()) as { status: string })
        .status === 'completed',
    'the run decided before the crash completed',
  );
});

const gate = (onDenied: 'fail' | 'continue' = 'fail') => ({
  flow: {
    name: 'gate',
    steps: [
      { id: 'gate', name: 'Gate', type: 'approval', config: { message: 'Ship it?', onDenied } },
      { id: 'after', name: 'After', type: 'set-variable', config: { variableName: 'done', value: 'shipped' } },
    ],
  },
});
type StoredRun = {
  status: string;
  startedAt: string;
  completedAt: string;
  durationMs: number;
  error: { code: string } | null;
  steps: Array<{ stepId: string; status: string; startedAt: string; completedAt: string; durationMs: number }>;
};
const stored = async (executionId: string) =>
  (await (await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: headers() })).json()) as StoredRun;

test("a run's durationMs is its wall time from start to end, the approval's pause included; every ended step has its completedAt", async () => {
  const paused = await readSse(await harness.dispatch(gate()));
  // The run started before this clock reading and ends after the approval below: its duration is at least the gap.
  const heldFrom = Date.now();
  const executionId = String(paused[0]!.data.executionId);
  const approvalId = String(paused.at(-1)!.data.approvalId);
  await new Promise((resolve) => setTimeout(resolve, 250));
  const heldUntil = Date.now();
  const answer = (await (
    await post('/v1/dispatch/approve', { executionId, approvalId, decision: 'approved', streamResponse: false })
  ).json()) as { status: string; durationMs: number; steps: Array<{ completedAt?: string }> };
  assert.equal(answer.status, 'completed');
  assert.ok(
    answer.durationMs >= heldUntil - heldFrom,
    `the answer's durationMs ${answer.durationMs} covers the ${heldUntil - heldFrom} ms held`,
  );
  const run = await stored(executionId);
  assert.equal(run.status, 'completed');
  assert.ok(run.durationMs >= heldUntil - heldFrom, `the stored durationMs ${run.durationMs} covers the ${heldUntil - heldFrom} ms held`);
  assert.ok(Date.parse(run.completedAt) - Date.parse(run.startedAt) >= heldUntil - heldFrom, 'startedAt is the first start');
  assert.deepEqual(
    run.steps.map((step) => [step.stepId, step.status]),
    [
      ['gate', 'completed'],
      ['after', 'completed'],
    ],
  );
  for (const step of run.steps) {
    assert.equal(Date.parse(step.completedAt), Date.parse(step.startedAt) + step.durationMs, `${step.stepId}: completedAt`);
    assert.ok(Date.parse(step.completedAt) <= Date.parse(run.completedAt), `${step.stepId} ended before the run`);
  }
});

test('a denied approval reads as denied: the step is denied and the run fails with APPROVAL_DENIED, not a step failure', async () => {
  const paused = await readSse(await harness.dispatch(gate('fail')));
  const executionId = String(paused[0]!.data.executionId);
  const approvalId = String(paused.at(-1)!.data.approvalId);
  const denied = await readSse(await post('/v1/dispatch/approve', { executionId, approvalId, decision: 'denied', reason: 'not now' }));
  assert.equal(denied.at(-1)!.event, 'flow_error');
  for (const event of denied) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  const run = await stored(executionId);
  assert.equal(run.status, 'failed', "Runtype's run status");
  assert.equal(run.error?.code, 'APPROVAL_DENIED');
  assert.deepEqual(
    run.steps.map((step) => [step.stepId, step.status]),
    [['gate', 'denied']],
  );
  const approvals = (await (await fetch(`${harness.baseUrl}/v1/approvals?status=denied`, { headers: headers() })).json()) as {
    data: Array<{ id: string }>;
  };
  assert.ok(
    approvals.data.some((approval) => approval.id === approvalId),
    'the approvals inbox lists it as denied',
  );
});
