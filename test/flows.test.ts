import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSse, startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

async function run(body: Record<string, unknown>, query = '') {
  const response = await harness.dispatch(body, { query });
  assert.equal(response.status, 200, await response.clone().text());
  return readSse(response);
}

async function json(body: Record<string, unknown>) {
  const response = await harness.dispatch({ ...body, options: { ...((body.options as object) ?? {}), streamResponse: false } });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text) as Record<string, any>;
}

const echo = (id: string, userPrompt: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  type: 'prompt',
  ...extra,
  config: { model: 'flowrun/echo', userPrompt, outputVariable: id, ...((extra.config as object) ?? {}) },
});

test('steps run by order, then array position; disabled and false `when` steps are skipped', async () => {
  const events = await run({
    flow: {
      name: 'ordering',
      steps: [
        echo('third', 'c', { order: 3 }),
        echo('first', 'a', { order: 1 }),
        echo('unordered', 'd'),
        echo('second', 'b', { order: 2 }),
        echo('disabled', 'x', { order: 2, enabled: false }),
        echo('gated', 'y', { when: "{{first}} === 'nope'" }),
      ],
    },
  });
  const started = events.filter((event) => event.event === 'step_start').map((event) => event.data.id);
  assert.deepEqual(started, ['first', 'second', 'third', 'unordered']);
  const skipped = events.filter((event) => event.event === 'step_skip');
  assert.deepEqual(
    skipped.map((event) => event.data.id),
    ['disabled', 'gated'],
  );
  assert.equal(skipped[1]!.data.when, "{{first}} === 'nope'");
  assert.equal(events.at(-1)!.data.finalOutput, 'd');
});

test('conditional runs the matching branch, nested, with inline steps and steps named by id', async () => {
  const result = await json({
    inputs: { score: 0.9 },
    flow: {
      name: 'branching',
      steps: [
        {
          id: 'gate',
          name: 'Gate',
          type: 'conditional',
          config: {
            condition: 'score > 0.5',
            trueSteps: [
              {
                id: 'inner',
                name: 'Inner',
                type: 'conditional',
                config: { condition: "tier == 'gold'", trueSteps: ['gold'], falseSteps: ['plain'] },
              },
            ],
            falseSteps: [echo('low', 'low')],
          },
        },
        { id: 'gold', name: 'Gold', type: 'set-variable', config: { variableName: 'path', value: 'gold' } },
        { id: 'plain', name: 'Plain', type: 'set-variable', config: { variableName: 'path', value: 'plain for {{score}}' } },
      ],
    },
  });
  assert.equal(result.status, 'completed');
  assert.equal(result.output.path, 'plain for 0.9');
  assert.deepEqual(
    result.steps.map((step: { id: string; status: string }) => `${step.id}:${step.status}`),
    ['gate:completed', 'inner:completed', 'plain:completed'],
  );
});

test('templates reach record, flow, execution, inputs, outputs, messages and secrets; unresolved names are reported', async () => {
  harness.fake.script((request) => ({ text: `model saw: ${request.lastUserText}` }));
  const secret = 'sk-live-very-secret-value-123';
  const events = await run({
    record: { name: 'Acme', metadata: { region: 'EU', items: [{ sku: 'a1' }, { sku: 'b2' }], deep: { a: { b: 'deepest' } } } },
    inputs: { topic: 'growth' },
    messages: [{ role: 'user', content: 'earlier question' }],
    secrets: { apiToken: secret },
    flow: {
      name: 'Templates',
      steps: [
        { id: 'data', name: 'Data', type: 'set-variable', config: { variableName: 'data', value: { field: 'F1' } } },
        {
          id: 'ask',
          name: 'Ask',
          type: 'prompt',
          config: {
            model: 'gpt-4o-mini',
            outputVariable: 'answer',
            userPrompt:
              '{{_record.name}}|{{_record.metadata.region}}|{{_record.metadata.items[1].sku}}|{{_record.metadata.deep.a.b}}|{{_flow.name}}|{{_execution.id}}|{{topic}}|{{data.field}}|{{messages}}|{{secrets.apiToken}}|{{nope.missing}}',
          },
        },
      ],
    },
  });
  const executionId = String(events[0]!.data.executionId);
  const sent = harness.fake.requests[0]!.lastUserText.split('|');
  assert.deepEqual(sent.slice(0, 5), ['Acme', 'EU', 'b2', 'deepest', 'Templates']);
  assert.equal(sent[5], executionId);
  assert.deepEqual(sent.slice(6), ['growth', 'F1', 'user: earlier question', secret, '']);
  const complete = events.find((event) => event.event === 'step_complete' && event.data.id === 'ask')!;
  assert.deepEqual(complete.data.unresolvedVariables, ['nope.missing']);
  // The secret reached the model, but nothing Flowrun streams or stores contains it.
  const all = JSON.stringify(events);
  assert.ok(!all.includes(secret), 'not in the stream');
  assert.ok(all.includes('[REDACTED]'), 'the echoed secret is redacted');
  const stored = await (
    await harness.request(`/v1/executions/${executionId}`, { headers: { authorization: `Bearer ${harness.key}` } })
  ).text();
  assert.ok(!stored.includes(secret), 'not in the stored execution');
  for (const file of readdirSync(harness.dataDir)) {
    assert.ok(!readFileSync(join(harness.dataDir, file)).includes(secret), `not in ${file}`);
  }
});

test('json responseFormat gives parsed objects; bad JSON fails the step; errorHandling continue keeps the flow going', async () => {
  harness.fake.script((request) =>
    request.lastUserText === 'good' ? { text: '```json\n{"score": 7, "tags": ["a"]}\n```' } : { text: 'not json at all' },
  );
  const good = await json({
    flow: {
      name: 'j',
      steps: [
        {
          id: 'j',
          name: 'J',
          type: 'prompt',
          config: { model: 'gpt-4o', userPrompt: 'good', responseFormat: 'JSON', outputVariable: 'j' },
        },
      ],
    },
  });
  assert.deepEqual(good.finalOutput, { score: 7, tags: ['a'] });

  const events = await run({
    flow: {
      name: 'k',
      steps: [
        {
          id: 'bad',
          name: 'Bad',
          type: 'prompt',
          errorHandling: 'continue',
          config: { model: 'gpt-4o', userPrompt: 'bad', responseFormat: 'json' },
        },
        { id: 'after', name: 'After', type: 'set-variable', config: { variableName: 'after', value: 'ran' } },
      ],
    },
  });
  const types = events.map((event) => event.event);
  assert.deepEqual(types, [
    'flow_start',
    'step_start',
    'text_start',
    'step_delta',
    'text_end',
    'step_error',
    'step_start',
    'step_complete',
    'flow_complete',
  ]);
  assert.match(String(events.find((event) => event.event === 'step_error')!.data.error), /not JSON/);

  const stopped = await run({
    flow: {
      name: 'l',
      steps: [
        { id: 'bad', name: 'Bad', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'bad', responseFormat: 'json' } },
        { id: 'never', name: 'Never', type: 'set-variable', config: { variableName: 'x', value: 1 } },
      ],
    },
  });
  assert.deepEqual(
    stopped.map((event) => event.event),
    ['flow_start', 'step_start', 'text_start', 'step_delta', 'text_end', 'step_error', 'flow_error'],
  );
  assert.equal((stopped.at(-1)!.data.error as { code: string }).code, 'MODEL_OUTPUT_INVALID');
});

test('template steps render Liquid over the flow variables and cannot read files', async () => {
  const result = await json({
    record: { metadata: { items: ['x', 'y'] } },
    flow: {
      name: 't',
      steps: [
        {
          id: 't',
          name: 'T',
          type: 'template',
          config: { outputVariable: 'page', template: '{% for item in _record.metadata.items %}<li>{{ item | upcase }}</li>{% endfor %}' },
        },
        { id: 'inc', name: 'Inc', type: 'template', errorHandling: 'continue', config: { template: "{% include '/etc/passwd' %}" } },
      ],
    },
  });
  assert.equal(result.output.page, '<li>X</li><li>Y</li>');
  assert.equal(result.steps[1].status, 'failed');
  assert.doesNotMatch(JSON.stringify(result), /root:/);
});

test('flowMode create, existing, upsert and flowVersionId; recordMode create and existing with autoAppendMetadata', async () => {
  const definition = { name: 'Stored flow', steps: [echo('greet', 'Hi {{_record.metadata.who}}')] };
  const created = await json({
    flow: definition,
    record: { name: 'Ada', type: 'person', metadata: { who: 'Ada' } },
    options: { flowMode: 'create', recordMode: 'create', autoAppendMetadata: true },
  });
  assert.ok(created.flowId.startsWith('flow_'));
  assert.ok(created.recordId.startsWith('record_'));
  assert.equal(created.finalOutput, 'Hi Ada');
  const firstVersion = created.flowVersionId;

  const existing = await json({
    flow: { id: created.flowId },
    record: { id: created.recordId },
    options: { flowMode: 'existing', recordMode: 'existing' },
  });
  assert.equal(existing.finalOutput, 'Hi Ada');
  assert.equal(existing.flowVersionId, firstVersion);

  // The record kept what autoAppendMetadata added.
  const appended = await json({
    flow: { name: 'reader', steps: [echo('read', 'greet was {{_record.metadata.greet}}')] },
    record: { id: created.recordId },
    options: { recordMode: 'existing' },
  });
  assert.equal(appended.finalOutput, 'greet was Hi Ada');

  const unchanged = await json({ flow: definition, options: { flowMode: 'upsert' } });
  assert.equal(unchanged.flowId, created.flowId);
  assert.equal(unchanged.flowVersionId, firstVersion, 'an unchanged definition keeps its version');

  const changed = await json({ flow: { name: 'Stored flow', steps: [echo('greet', 'Bye')] }, options: { flowMode: 'upsert' } });
  assert.equal(changed.flowId, created.flowId);
  assert.notEqual(changed.flowVersionId, firstVersion, 'a changed definition makes a new version');
  assert.equal(changed.finalOutput, 'Bye');

  const latest = await json({ flow: { id: created.flowId } });
  assert.equal(latest.finalOutput, 'Bye', 'flow.id alone runs the current version');
  const pinned = await json({
    flow: { id: created.flowId },
    record: { metadata: { who: 'Bob' } },
    options: { flowVersionId: firstVersion },
  });
  assert.equal(pinned.finalOutput, 'Hi Bob', 'flowVersionId runs that version');
});

test('non-streaming dispatch returns one JSON document with steps, output and usage', async () => {
  const result = await json({
    flow: { name: 'n', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'claude-sonnet-4-5', userPrompt: 'hello' } }] },
  });
  assert.equal(result.success, true);
  assert.equal(result.status, 'completed');
  assert.equal(result.executionId, result.execution_id);
  assert.equal(result.finalOutput, 'Hello from claude-sonnet-4-5.');
  assert.equal(harness.fake.requests[0]!.protocol, 'anthropic', 'claude-* goes to Anthropic');
  assert.deepEqual(result.steps[0].usage, { inputTokens: 12, outputTokens: 5, reasoningTokens: 0, costUsd: (12 * 3 + 5 * 15) / 1e6 });
  assert.equal(result.usage.totalTokens, 17);
});
