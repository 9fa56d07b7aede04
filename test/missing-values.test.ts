import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';

// Issue 26: no value goes missing quietly. A misspelt {{variable}} is a warning on the run (or, strictly, its
// error); misspelt step types and config keys get a "did you mean"; a flow with no steps is refused.

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

interface Warning {
  code: string;
  message: string;
  stepId?: string;
  stepName?: string;
  stepIndex?: number;
  variable?: string;
  field?: string;
  suggestion?: string;
}
interface Detail {
  code: string;
  path: string;
  message: string;
  suggestion?: string;
}

const greet = (config: Record<string, unknown>) => ({
  id: 'greet',
  name: 'Greet',
  type: 'prompt',
  config: { model: 'flowrun/echo', ...config },
});
const dispatch = async (steps: unknown[], options: Record<string, unknown> = {}) => {
  const response = await harness.dispatch({
    flow: { name: 'Greeter', steps },
    inputs: { name: 'Ada' },
    options: { streamResponse: false, ...options },
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};

test('a misspelt {{variable}} runs with a warning naming it, its step and the name in reach; the stored run keeps it on the step', async () => {
  const { status, body } = await dispatch([greet({ userPrompt: 'Hello {{nmae}}' })]);
  assert.equal(status, 200);
  assert.equal(body.success, true);
  const warnings = body.warnings as Warning[];
  assert.equal(warnings.length, 1);
  assert.deepEqual(
    { code: warnings[0]!.code, variable: warnings[0]!.variable, suggestion: warnings[0]!.suggestion, stepId: warnings[0]!.stepId },
    { code: 'UNRESOLVED_VARIABLE', variable: 'nmae', suggestion: 'name', stepId: 'greet' },
  );
  assert.equal(warnings[0]!.message, "step 'Greet' uses {{nmae}}, which is not set; it rendered as nothing (did you mean 'name'?)");
  assert.deepEqual(body.steps[0].warnings, warnings);

  const stored = (await (
    await harness.request(`/v1/executions/${body.executionId}`, { headers: { authorization: `Bearer ${harness.key}` } })
  ).json()) as { warnings: Warning[]; steps: Array<{ stepId: string; warnings: Warning[] }> };
  assert.equal(stored.steps[0]!.stepId, 'greet');
  assert.deepEqual(
    stored.steps[0]!.warnings.map((warning) => [warning.variable, warning.suggestion, warning.message]),
    [['nmae', 'name', warnings[0]!.message]],
  );
  assert.deepEqual(stored.warnings, stored.steps[0]!.warnings);
});

test("options.strictVariables makes a misspelt variable the run's error, before the model is called", async () => {
  harness.fake.reset();
  const { status, body } = await dispatch([greet({ userPrompt: 'Hello {{nmae}}' })], { strictVariables: true });
  assert.equal(status, 200);
  assert.equal(body.success, false);
  assert.equal(body.status, 'failed');
  assert.equal(body.error.code, 'UNRESOLVED_VARIABLE');
  assert.match(body.error.message, /step 'Greet' uses \{\{nmae\}\}.*did you mean 'name'\?.*options\.strictVariables/);
  // The step failed before its model call: nothing was spent.
  assert.equal(body.steps[0].status, 'failed');
  assert.equal(body.usage.totalTokens, 0);
  // Travrse's snake_case spelling of the option is the same option.
  const snake = await dispatch([greet({ userPrompt: 'Hello {{nmae}}' })], { strict_variables: true });
  assert.equal(snake.body.error.code, 'UNRESOLVED_VARIABLE');
});

test('a misspelt step type is a 422 whose detail suggests the type meant', async () => {
  const { status, body } = await dispatch([{ name: 'Ask', type: 'promt', config: { model: 'flowrun/echo', userPrompt: 'hi' } }]);
  assert.equal(status, 422);
  const detail = (body.details as Detail[])[0]!;
  assert.equal(detail.code, 'UNKNOWN_STEP_TYPE');
  assert.equal(detail.path, 'flow.steps[0].type');
  assert.equal(detail.suggestion, "did you mean 'prompt'?");
  assert.match(detail.message, /unknown type 'promt' \(did you mean 'prompt'\?\)/);
});

test('a misspelt config key: a 422 suggesting it when the field it misspells is required, else a warning', async () => {
  const refused = await dispatch([greet({ userPromt: 'Hello {{name}}' })]);
  assert.equal(refused.status, 422);
  const detail = (refused.body.details as Detail[])[0]!;
  assert.equal(detail.path, 'flow.steps[0].config.userPrompt');
  assert.equal(detail.suggestion, "rename 'userPromt' to 'userPrompt'");
  assert.match(detail.message, /flow\.steps\[0\]\.config\.userPromt is not a field: did you mean 'userPrompt'\?/);

  // Runtype ignores keys it does not know, so a flow that runs without the key still runs, with a warning.
  const ran = await dispatch([greet({ userPrompt: 'Hello {{name}}', systemPromt: 'Be brief' })]);
  assert.equal(ran.status, 200);
  assert.equal(ran.body.success, true);
  assert.deepEqual(
    (ran.body.warnings as Warning[]).map((warning) => [warning.code, warning.field, warning.suggestion, warning.stepId]),
    [['UNKNOWN_CONFIG_KEY', 'config.systemPromt', 'systemPrompt', 'greet']],
  );
});

test('a flow with no steps is a 422 that says how to add one', async () => {
  const empty = await dispatch([]);
  assert.equal(empty.status, 422);
  const detail = (empty.body.details as Detail[])[0]!;
  assert.equal(detail.path, 'flow.steps');
  assert.match(detail.message, /a flow needs at least one step/);
  assert.match(detail.suggestion ?? '', /add a step/);
});
