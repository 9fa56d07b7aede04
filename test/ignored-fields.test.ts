import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

// Issue 28, point 4: a field Runtype documents that Flowrun does not act on is a warning naming it, never dropped.
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

interface Warning {
  code: string;
  field?: string;
  message: string;
}

const fieldsOf = (warnings: Warning[]) => warnings.filter((warning) => warning.code === 'IGNORED_FIELD').map((warning) => warning.field);

test("an agent's ignored fields and options are warnings naming each field, in the result and the stored run", async () => {
  const response = await harness.dispatch({
    agent: {
      name: 'Concierge',
      voice: { provider: 'elevenlabs' },
      temporal: { enabled: true },
      primaryFlowId: 'flow_1',
      config: {
        model: 'flowrun/echo',
        advisor: { model: 'gpt-4o' },
        loggingPolicy: 'minimal',
        codeModeConfig: {},
        toolConfigs: {},
        capabilities: ['x'],
      },
    },
    messages: [{ role: 'user', content: 'hi' }],
    options: { streamResponse: false, debugMode: true, storeResults: false },
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const body = JSON.parse(text) as { executionId: string; warnings: Warning[] };
  assert.deepEqual(fieldsOf(body.warnings), [
    'agent.temporal',
    'agent.voice',
    'agent.primaryFlowId',
    'agent.config.advisor',
    'agent.config.loggingPolicy',
    'agent.config.codeModeConfig',
    'agent.config.toolConfigs',
    'agent.config.capabilities',
    'options.storeResults',
    'options.debugMode',
  ]);
  assert.match(
    body.warnings.find((warning) => warning.field === 'agent.voice')!.message,
    /agent\.voice was ignored: Flowrun has no voice channel/,
  );
  const stored = (await (
    await harness.request(`/v1/executions/${body.executionId}`, { headers: { authorization: `Bearer ${harness.key}` } })
  ).json()) as { warnings: Warning[] };
  assert.equal(fieldsOf(stored.warnings).length, 10);
});

test('options a flow run does not act on are warnings; the values Flowrun honours are not', async () => {
  const flow = { name: 'opts', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'Hi' } }] };
  const ignored = await harness.dispatch({ flow, options: { streamResponse: false, storeResults: false, debugMode: true } });
  assert.deepEqual(fieldsOf(((await ignored.json()) as { warnings: Warning[] }).warnings), ['options.storeResults', 'options.debugMode']);
  const honoured = await harness.dispatch({ flow, options: { streamResponse: false, storeResults: true, debugMode: false } });
  assert.deepEqual(fieldsOf(((await honoured.json()) as { warnings: Warning[] }).warnings), []);
  const versioning = await harness.dispatch({
    flow,
    options: {
      streamResponse: false,
      upsertOptions: { allowOverwriteExternalChanges: false, createVersionOnChange: true },
      create_version: true,
      version_label: 'v2',
    },
  });
  assert.deepEqual(fieldsOf(((await versioning.json()) as { warnings: Warning[] }).warnings), [
    'options.upsertOptions.allowOverwriteExternalChanges',
    'options.createVersion',
    'options.versionLabel',
  ]);
  const subagents = await harness.dispatch({
    agent: { name: 'Lead', config: { model: 'flowrun/echo', tools: { subagentConfig: { defaultMaxTurns: 3 } } } },
    messages: [{ role: 'user', content: 'hi' }],
    options: { streamResponse: false },
  });
  assert.deepEqual(fieldsOf(((await subagents.json()) as { warnings: Warning[] }).warnings), ['agent.config.tools.subagentConfig']);
});

test('streamed, the warnings ride on a Runtype frame that validates', async () => {
  const frames = await readSse(
    await harness.dispatch(
      { agent: { name: 'Voiced', voice: {}, config: { model: 'flowrun/echo' } }, messages: [{ role: 'user', content: 'hi' }] },
      { query: 'events=runtype' },
    ),
  );
  const carrier = frames.find((frame) => Array.isArray(frame.data.warnings))!;
  assert.deepEqual(
    (carrier.data.warnings as Warning[]).map((warning) => warning.field),
    ['agent.voice'],
  );
  for (const frame of frames) assert.equal(validateRuntypeFrame(frame.data), null, JSON.stringify(frame.data).slice(0, 300));
});
