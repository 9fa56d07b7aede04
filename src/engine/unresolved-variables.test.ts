import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlow } from './run-flow.js';
import { testEngine, testRequest } from './testing.js';

const signal = () => new AbortController().signal;
const setVariable = (id: string, value: unknown, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  type: 'set-variable',
  config: { variableName: id, value },
  ...extra,
});
const warningsOf = (deps: ReturnType<typeof testEngine>) => deps.events.events.filter((event) => event.type === 'warning');

test('a {{name}} that names nothing in reach is a warning naming it, its step and the closest name in reach', async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest([setVariable('greeting', 'Hello {{nmae}} from {{_record.metadata.cty}}')], {
      inputs: { name: 'Ada' },
      record: { id: null, name: 'r', type: 't', metadata: { city: 'Paris' }, created: false },
    }),
    signal(),
  );
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.output.greeting, 'Hello  from ');
  const warnings = warningsOf(deps);
  assert.deepEqual(
    warnings.map((event) => [event.code, event.variable, event.suggestion, event.stepId]),
    [
      ['UNRESOLVED_VARIABLE', 'nmae', 'name', 'greeting'],
      ['UNRESOLVED_VARIABLE', '_record.metadata.cty', '_record.metadata.city', 'greeting'],
    ],
  );
  assert.match(String(warnings[0]!.message), /step 'greeting' uses \{\{nmae\}\}.*did you mean 'name'\?/);
  // The warnings come before the step's completion (they commit with its checkpoint) and are in the outcome.
  const types = deps.events.types();
  assert.ok(types.indexOf('warning') < types.indexOf('step_complete'));
  assert.deepEqual(
    outcome.warnings.map((warning) => warning.variable),
    ['nmae', '_record.metadata.cty'],
  );
});

test('values that are empty on purpose are no warning: null, under null, outputs of steps that may not run', async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest(
      [
        setVariable('maybe', 'x', { when: 'flag === true' }),
        setVariable('off', 'x', { enabled: false }),
        { id: 'c', name: 'c', type: 'conditional', config: { condition: 'flag === true', trueSteps: ['branch'], falseSteps: [] } },
        setVariable('branch', 'x'),
        setVariable('out', '{{empty}}{{empty.deeper}}{{maybe}}{{off}}{{branch}}{{items[0].name}}'),
      ],
      { inputs: { flag: false, empty: null, items: [{ name: 'a' }] } },
    ),
    signal(),
  );
  assert.equal(outcome.status, 'completed');
  assert.deepEqual(warningsOf(deps), []);
});

test('Liquid names bound by for, assign, guarded by if or given a default are no warning; a missing output is', async () => {
  const deps = testEngine();
  const template =
    '{% for item in items %}{{ item.name }}{% endfor %}{% assign y = 1 %}{{ y }}{% if maybe %}{{ maybe }}{% endif %}' +
    '{{ absent | default: "d" }}{{ user.nmae }}';
  const outcome = await runFlow(
    deps,
    testRequest([{ id: 't', name: 'T', type: 'template', config: { template } }], {
      inputs: { items: [{ name: 'a' }], user: { name: 'Ada' } },
    }),
    signal(),
  );
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.output.t, 'a1d');
  assert.deepEqual(
    warningsOf(deps).map((event) => [event.variable, event.suggestion]),
    [['user.nmae', 'user.name']],
  );
});

test('with options.strictVariables a missing variable fails its step before it acts, with the same words', async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest([{ id: 'p', name: 'Ask', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'Hi {{nmae}}' } }], {
      inputs: { name: 'Ada' },
      options: { strictVariables: true },
    }),
    signal(),
  );
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.error?.code, 'UNRESOLVED_VARIABLE');
  assert.match(outcome.error!.message, /step 'Ask' uses \{\{nmae\}\}.*did you mean 'name'\?.*strictVariables/);
  // No model call was made: nothing streamed.
  assert.ok(!deps.events.types().includes('step_delta'));
});

test('an unknown config key is ignored with a warning suggesting the key it is close to', async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest([{ id: 's', name: 'S', type: 'set-variable', config: { variableName: 's', value: 1, valu: 2, custom: true } }]),
    signal(),
  );
  assert.equal(outcome.status, 'completed');
  assert.deepEqual(
    warningsOf(deps).map((event) => [event.code, event.field, event.suggestion]),
    [
      ['UNKNOWN_CONFIG_KEY', 'config.valu', 'value'],
      ['UNKNOWN_CONFIG_KEY', 'config.custom', undefined],
    ],
  );
  assert.match(
    String(warningsOf(deps)[0]!.message),
    /config\.valu is not a field of a set-variable step; it was ignored \(did you mean 'value'\?\)/,
  );
});
