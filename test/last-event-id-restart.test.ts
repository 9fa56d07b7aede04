import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';

test('Last-Event-ID resumes lose nothing across a restart, in every dialect', async () => {
  let harness = await startHarness();
  try {
    harness.fake.script((request) =>
      toolResultsIn(request).length === 0
        ? { toolCalls: [{ id: 'call_page', name: 'read_page', arguments: '{}' }], finishReason: 'tool_calls' }
        : { chunks: ['The page ', 'is ', 'home.'] },
    );
    const first = await readSse(
      await harness.dispatch(
        {
          clientTools: [{ name: 'read_page', description: 'reads the page', parametersSchema: { type: 'object' } }],
          flow: {
            name: 'lei',
            steps: [{ id: 'ask', name: 'Ask', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'which page?' } }],
          },
        },
        { query: 'events=unified' },
      ),
    );
    const executionId = String(first[0]!.data.executionId);
    const seenBeforeCrash = Number(first.at(-1)!.id);
    harness = await harness.restart();
    const resumed = await fetch(`${harness.baseUrl}/v1/dispatch/resume`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ executionId, toolOutputs: { call_page: 'home' }, streamResponse: false }),
    });
    assert.equal(resumed.status, 200);
    for (const dialect of ['unified', 'runtype', 'travrse']) {
      const events = (headers: Record<string, string>) =>
        fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?events=${dialect}`, {
          headers: { authorization: `Bearer ${harness.key}`, ...headers },
        }).then(readSse);
      const all = (await events({})).map((event) => Number(event.id));
      const before = all.filter((id) => id <= seenBeforeCrash);
      const after = (await events({ 'last-event-id': String(seenBeforeCrash) })).map((event) => Number(event.id));
      assert.deepEqual([...before, ...after], all, `${dialect}: the frames before and after the Last-Event-ID are the whole log`);
      assert.ok(after.length > 0 && after.every((id) => id > seenBeforeCrash), dialect);
      assert.deepEqual(
        [...all].sort((a, b) => a - b),
        all,
        `${dialect}: ids ascend`,
      );
    }
  } finally {
    await harness.close();
  }
});
