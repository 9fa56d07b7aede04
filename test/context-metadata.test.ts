import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';
import type { FakeRequest } from './support/fake-provider.js';

/** A dispatch's `context` (Runtype's widget context providers) and an agent dispatch's `metadata` reach the model. */
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

const systemOf = (request: FakeRequest) =>
  String((request.body.messages as Array<{ role: string; content: unknown }>).find((message) => message.role === 'system')?.content ?? '');

test("an agent sees the client's context after its system prompt, and its metadata as _record.metadata", async () => {
  harness.fake.script(() => ({ text: 'ok' }));
  const context = { page: '/pricing', selection: 'Pro plan', note: 'not a template: {{secrets.token}}' };
  const response = await harness.dispatch({
    agent: { name: 'Helper', model: 'gpt-4o', systemPrompt: 'You help {{_record.metadata.tier}} customers.' },
    messages: [{ role: 'user', content: 'which plan?' }],
    context,
    metadata: { tier: 'gold' },
    secrets: { token: 'sk-never-shown' },
    options: { streamResponse: false },
  });
  assert.equal(response.status, 200, await response.clone().text());
  const system = systemOf(harness.fake.requests[0]!);
  assert.ok(system.startsWith('You help gold customers.\n\nContext from the client (JSON):\n'), system);
  assert.deepEqual(JSON.parse(system.slice(system.indexOf('{'))), context, 'the context arrives as a value, untouched');
});

test('a flow reads the context in its templates as {{context.…}}', async () => {
  harness.fake.script((request) => ({ text: `echo ${request.lastUserText}` }));
  const result = (await (
    await harness.dispatch({
      flow: {
        name: 'ctx',
        steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'The user is on {{context.page}}.' } }],
      },
      context: { page: '/checkout' },
      options: { streamResponse: false },
    })
  ).json()) as { finalOutput: string };
  assert.equal(result.finalOutput, 'echo The user is on /checkout.');
  assert.equal(systemOf(harness.fake.requests[0]!), '', 'a flow gets no context appended to its prompts');
});
