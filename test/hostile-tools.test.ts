import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { authHeaders, readSse, startHarness, type Harness } from './support/harness.js';
import { waitFor } from './support/wait-for.js';
import { callOnceThenAnswer } from './support/fake-scripts.js';
import { hostilePrograms } from './fixtures/hostile-programs.js';

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_SANDBOX_TIMEOUT_MS: '400', FLOWRUN_SANDBOX_MEMORY_MB: '32' });
});
after(() => harness.close());

// Every third published escape, end to end through the HTTP API; all of them run at the pool level
// (src/tools/sandbox/hostile.test.ts) and in the attack corpus (npm run test:attack).
const programs = hostilePrograms.filter((_, index) => index % 3 === 0);

/** A run whose prompt step calls one custom tool running `code`, with the tool's own time limit if given. */
const hostileFlow = (code: string, timeout?: number) => ({
  flow: {
    name: 'hostile',
    steps: [
      {
        id: 'h',
        name: 'H',
        type: 'prompt',
        config: {
          model: 'gpt-4o',
          userPrompt: 'go',
          tools: { runtimeTools: [{ name: 'hostile', toolType: 'custom', config: { code, ...(timeout ? { timeout } : {}) } }] },
        },
      },
    ],
  },
});

/** Another tenant's kind of run, answered by the built-in echo model (no provider involved). */
async function bystander(): Promise<string> {
  const other = await harness.dispatch({
    flow: { name: 'ok', steps: [{ type: 'prompt', name: 'E', config: { model: 'flowrun/echo', userPrompt: 'still here' } }] },
    options: { streamResponse: false },
  });
  return ((await other.json()) as { finalOutput: string }).finalOutput;
}

/** The sandbox threads busy now, as /metrics says. */
async function sandboxBusy(): Promise<number> {
  const text = await (await fetch(`${harness.baseUrl}/metrics`)).text();
  return Number(/flowrun_sandbox_threads\{state="busy"\} (\d+)/.exec(text)?.[1] ?? NaN);
}

test(`${programs.length} hostile custom tools each end in a tool error while the server keeps serving other runs`, async () => {
  harness.fake.script(callOnceThenAnswer('hostile', {}));
  for (const program of programs) {
    harness.fake.requests.length = 0;
    const hostileRun = harness.dispatch(hostileFlow(program.code)).then(readSse);
    assert.equal(await bystander(), 'still here', `${program.name}: another run is answered meanwhile`);
    const events = await hostileRun;
    // A failed tool ends with Runtype's tool_error frame.
    const failed = events.find((event) => event.event === 'tool_error');
    assert.ok(failed, `${program.name}: the tool failed`);
    assert.ok(!events.some((event) => event.event === 'tool_complete'), `${program.name}: no tool_complete for a failed tool`);
    assert.ok(String(failed.data.error).length > 0, `${program.name}: ${JSON.stringify(failed.data).slice(0, 300)}`);
    assert.equal(events.at(-1)!.event, 'flow_complete', `${program.name}: the model was told and the flow went on`);
  }
  assert.equal((await fetch(`${harness.baseUrl}/health`)).status, 200);
});

test('another run is answered while a custom tool spins: the tool is still running when it is, and is ended by cancelling its run', async () => {
  harness.fake.script(callOnceThenAnswer('hostile', {}));
  // Its own limit (30 s) is far beyond the other run's answer, so "still running" holds on a loaded machine too;
  // a sandbox that held the event loop would answer the other run only after the tool ended.
  const response = await harness.dispatch(hostileFlow('while (true) {}', 30_000));
  const executionId = response.headers.get('x-execution-id')!;
  const hostileRun = readSse(response);
  await waitFor(async () => (await sandboxBusy()) === 1, 'the tool is running in the sandbox');
  assert.equal(await bystander(), 'still here');
  assert.equal(await sandboxBusy(), 1, 'the tool was still running when the other run was answered');
  const execution = await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: authHeaders(harness.key) });
  assert.equal(((await execution.json()) as { status: string }).status, 'running');
  const cancelled = await fetch(`${harness.baseUrl}/v1/executions/${executionId}/cancel`, {
    method: 'POST',
    headers: authHeaders(harness.key),
    body: '{}',
  });
  assert.equal(cancelled.status, 200);
  const events = await hostileRun;
  assert.equal((events.at(-1)!.data.error as { code: string }).code, 'CANCELLED');
  await waitFor(async () => (await sandboxBusy()) === 0, 'the cancelled tool left its thread');
});
