import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';

/** Runtype is lenient in three ways clients rely on; Flowrun is too. */
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

test('tool names with dots, dashes and colons work: the model sees a name it accepts, everything else the original', async () => {
  harness.fake.script((request) => {
    const offered = (request.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
    if (toolResultsIn(request).length === 0) return { toolCalls: [{ id: 'c1', name: offered[0]!, arguments: '{"q":"ada"}' }] };
    return { text: `found ${toolResultsIn(request)[0]!.content}` };
  });
  const events = await readSse(
    await harness.dispatch(
      {
        agent: {
          name: 'CRM',
          model: 'gpt-4o',
          tools: { runtimeTools: [{ name: 'crm.contacts-search', toolType: 'custom', config: { code: 'return "Ada " + parameters.q;' } }] },
        },
        messages: [{ role: 'user', content: 'find ada' }],
      },
      { query: 'events=unified' },
    ),
  );
  const offered = (harness.fake.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
  assert.match(offered[0]!, /^[A-Za-z0-9_-]{1,64}$/);
  assert.equal(events.find((event) => event.event === 'tool_start')!.data.toolName, 'crm.contacts-search');
  assert.equal(events.find((event) => event.event === 'tool_complete')!.data.toolName, 'crm.contacts-search');
  assert.equal(events.at(-1)!.data.finalOutput ?? events.at(-1)!.data.result, 'found Ada ada');
});

test('unknown fields anywhere in a dispatch are ignored, not refused', async () => {
  harness.fake.script(() => ({ text: 'ok' }));
  const response = await harness.dispatch({
    futureTopLevel: { anything: true },
    record: { name: 'r', metadata: {}, futureRecordField: 1 },
    flow: {
      name: 'f',
      futureFlowField: 'x',
      steps: [
        { id: 's', name: 'S', type: 'prompt', futureStepField: 2, config: { model: 'gpt-4o', userPrompt: 'hi', futureConfigField: [1] } },
      ],
    },
    options: { streamResponse: false, futureOption: 'y' },
  });
  assert.equal(response.status, 200, await response.clone().text());
  const agent = await harness.dispatch({
    agent: { name: 'A', model: 'gpt-4o', futureAgentField: 1, tools: { futureToolsField: 2, runtimeTools: [] } },
    messages: [{ role: 'user', content: 'hi', futureMessageField: 3 }],
    options: { streamResponse: false },
  });
  assert.equal(agent.status, 200, await agent.clone().text());
});

test('error paths name the field as the caller wrote it', async () => {
  const agent = await harness.dispatch({
    agent: { name: 'A', model: 'gpt-4o', tools: { toolIds: ['tool_missing'] } },
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(agent.status, 422);
  const body = (await agent.json()) as { details: Array<{ path: string }> };
  assert.deepEqual(
    body.details.map((detail) => detail.path),
    ['agent.tools.toolIds[0]'],
  );
  const flow = await harness.dispatch({
    flow: {
      name: 'f',
      steps: [
        { id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi', tools: { toolIds: ['ok_tool_missing'] } } },
      ],
    },
  });
  assert.equal(flow.status, 422);
  assert.deepEqual(
    ((await flow.json()) as { details: Array<{ path: string }> }).details.map((detail) => detail.path),
    ['flow.steps[0].config.tools.toolIds[0]'],
  );
});

test('the fields that were ignored are known (and logged at debug level)', async () => {
  const { parseDispatchBody } = await import('../src/api/wire/dispatch-request.js');
  const parsed = parseDispatchBody({
    flow: { name: 'f', steps: [] },
    futureTopLevel: 1,
    options: { streamResponse: true, futureOption: 2 },
  });
  assert.deepEqual(parsed.ignored, ['futureTopLevel', 'options.futureOption']);
});
