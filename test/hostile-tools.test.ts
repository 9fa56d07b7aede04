import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
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

test(`${programs.length} hostile custom tools each end in a tool error while the server keeps serving other runs`, async () => {
  harness.fake.script(callOnceThenAnswer('hostile', {}));
  for (const program of programs) {
    harness.fake.requests.length = 0;
    const hostileRun = harness
      .dispatch({
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
                tools: { runtimeTools: [{ name: 'hostile', toolType: 'custom', config: { code: program.code } }] },
              },
            },
          ],
        },
      })
      .then(readSse);
    // While the hostile code runs, another run is served promptly.
    const started = Date.now();
    const other = await harness.dispatch({
      flow: { name: 'ok', steps: [{ type: 'prompt', name: 'E', config: { model: 'flowrun/echo', userPrompt: 'still here' } }] },
      options: { streamResponse: false },
    });
    assert.equal(((await other.json()) as { finalOutput: string }).finalOutput, 'still here', program.name);
    assert.ok(Date.now() - started < 1000, `${program.name}: another run took ${Date.now() - started} ms`);
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
