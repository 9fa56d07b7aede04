import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../src/config.js';
import { approvalsOfExecution } from '../src/store/approvals-repository.js';
import { authHeaders, readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';
import { waitFor } from './support/wait-for.js';

// Under FLOWRUN_TEST_CLUSTER=1 (npm run test:cluster) the harness is clustered and these waits wake by delayed jobs.
let harness: Harness;
let checkServer: Server;
let checkUrl: string;
/** How many times each path of the fake was asked; `/ready-third` answers 503 twice, then ready. */
const asked = new Map<string, number>();

before(async () => {
  checkServer = createServer((request, response) => {
    const path = request.url ?? '/';
    const count = (asked.get(path) ?? 0) + 1;
    asked.set(path, count);
    const ready = path.startsWith('/ready-third') && count >= 3;
    response.writeHead(path.startsWith('/never') || !ready ? 503 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ state: ready ? 'ready' : 'pending' }));
  });
  await new Promise<void>((resolve) => checkServer.listen(0, '127.0.0.1', resolve));
  checkUrl = `http://127.0.0.1:${(checkServer.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1', FLOWRUN_APPROVAL_SWEEP_MS: '50' });
});

after(async () => {
  await harness.close();
  checkServer.closeAllConnections();
  await new Promise((resolve) => checkServer.close(resolve));
});

const waitFlow = (config: Record<string, unknown>) => ({
  options: { streamResponse: false },
  flow: {
    name: 'wait',
    steps: [
      { id: 'wait', name: 'Wait', type: 'wait-until', config: { ...config, outputVariable: 'woke' } },
      { id: 'after', name: 'After', type: 'set-variable', config: { variableName: 'done', value: 'yes' } },
    ],
  },
});

async function dispatchPaused(body: unknown): Promise<string> {
  const answer = (await (await harness.dispatch(body)).json()) as Record<string, unknown>;
  assert.equal(answer.status, 'paused', JSON.stringify(answer));
  return String(answer.executionId);
}

async function ended(executionId: string): Promise<Record<string, any>> {
  return waitFor(async () => {
    const current = (await (
      await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: authHeaders(harness.key) })
    ).json()) as Record<string, any>;
    return ['completed', 'failed'].includes(current.status) && current;
  }, `run ${executionId} ended`);
}

test('a delay is a paused run no one can approve; it wakes after a restart and the run goes on', async () => {
  const executionId = await dispatchPaused(waitFlow({ delayMs: 2500 }));
  const listed = (await (
    await fetch(`${harness.baseUrl}/v1/approvals?executionId=${executionId}`, { headers: authHeaders(harness.key) })
  ).json()) as { data: unknown[] };
  assert.deepEqual(listed.data, [], 'a wait is not listed as an approval');
  const db = await openDatabase(harness.config);
  const [wait] = await approvalsOfExecution(db, executionId).finally(() => db.destroy());
  assert.equal(wait?.kind, 'wait');
  const waitId = wait.id;
  const approve = await fetch(`${harness.baseUrl}/v1/dispatch/approve`, {
    method: 'POST',
    headers: { ...authHeaders(harness.key), 'content-type': 'application/json' },
    body: JSON.stringify({ executionId, approvalId: waitId, decision: 'approved', streamResponse: false }),
  });
  assert.equal(approve.status, 404, 'a wait cannot be approved');
  harness = await harness.restart();
  const run = await ended(executionId);
  assert.equal(run.status, 'completed', JSON.stringify(run.error));
  assert.equal(run.output.done, 'yes');
  assert.equal(run.output.woke.attempts, 0);
  const frames = await readSse(
    await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?events=runtype`, { headers: authHeaders(harness.key) }),
  );
  const awaited = frames.find((frame) => frame.event === 'step_await');
  assert.equal(awaited?.data.awaitReason, 'wait');
  assert.ok(!frames.some((frame) => frame.event === 'step_await' && frame.data.awaitReason === 'approval_required'));
  assert.equal(frames.at(-1)!.event, 'flow_complete');
  for (const frame of frames) assert.equal(validateRuntypeFrame(frame.data), null, `${frame.event} is a DispatchSSEEvent`);
});

test('a poll completes on its third check; one that never holds fails with WAIT_TIMEOUT', async () => {
  const condition = (path: string) => ({ type: 'http', url: `${checkUrl}${path}`, path: 'state', equals: 'ready' });
  const [ready, never] = await Promise.all([
    dispatchPaused(waitFlow({ condition: condition('/ready-third'), intervalMs: 1000, maxAttempts: 5 })),
    dispatchPaused(waitFlow({ condition: condition('/never'), pollIntervalMs: 1000, maxAttempts: 2 })),
  ]);
  const [readyRun, neverRun] = await Promise.all([ended(ready), ended(never)]);
  assert.equal(readyRun.status, 'completed', JSON.stringify(readyRun.error));
  assert.equal(readyRun.output.woke.attempts, 3);
  assert.deepEqual(readyRun.output.woke.response, { state: 'ready' });
  assert.equal(asked.get('/ready-third'), 3);
  assert.equal(neverRun.status, 'failed');
  assert.equal(neverRun.error?.code, 'WAIT_TIMEOUT');
  assert.equal(asked.get('/never'), 2);
});
