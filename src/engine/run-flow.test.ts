import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowrunError } from '../protocol/errors.js';
import { runFlow } from './run-flow.js';
import { memoryCheckpoints, resumeAfter, scriptedModels, scriptedTools, testEngine, testRequest } from './testing.js';

const prompt = (id: string, userPrompt: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  type: 'prompt',
  config: { model: 'gpt-4o', userPrompt, ...extra },
});
const signal = () => new AbortController().signal;

test('runs steps in order, commits each before the next, and ends with flow_complete and the outputs', async () => {
  const deps = testEngine({
    models: scriptedModels((request) => ({ chunks: [`echo: ${JSON.stringify(request.messages.at(-1))}`.slice(0, 30)] })),
  });
  const outcome = await runFlow(
    deps,
    testRequest([prompt('a', 'first'), { id: 'b', name: 'b', type: 'set-variable', config: { variableName: 'copy', value: '{{a}}' } }]),
    signal(),
  );
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.output.copy, outcome.output.a);
  assert.deepEqual(
    deps.events.types().filter((type) => !type.startsWith('text') && !type.startsWith('turn') && type !== 'step_delta'),
    ['flow_start', 'step_start', 'step_complete', 'step_start', 'step_complete', 'flow_complete'],
  );
  assert.deepEqual(
    deps.checkpoints.steps.map((step) => [step.stepId, step.status]),
    [
      ['a', 'completed'],
      ['b', 'completed'],
    ],
  );
  assert.deepEqual(
    deps.events.events.map((event) => event.seq),
    deps.events.events.map((_, index) => index + 1),
  );
});

test('a conditional runs one branch; skipped and disabled steps are reported and committed as skipped', async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest(
      [
        { id: 'c', name: 'c', type: 'conditional', config: { condition: 'n > 1', trueSteps: ['yes'], falseSteps: ['no'] } },
        { id: 'yes', name: 'yes', type: 'set-variable', config: { variableName: 'picked', value: 'true branch' } },
        { id: 'no', name: 'no', type: 'set-variable', config: { variableName: 'picked', value: 'false branch' } },
        { id: 'off', name: 'off', type: 'set-variable', enabled: false, config: { variableName: 'x', value: 1 } },
      ],
      { inputs: { n: 2 } },
    ),
    signal(),
  );
  assert.equal(outcome.output.picked, 'true branch');
  assert.equal(outcome.skippedSteps, 1);
  assert.ok(deps.events.types().includes('step_skip'));
});

test('a failing step stops the run; with errorHandling continue the run goes on', async () => {
  const failing = scriptedModels(() => ({ error: new FlowrunError('MODEL_OUTPUT_INVALID', 'bad reply') }));
  const stopped = await runFlow(testEngine({ models: failing }), testRequest([prompt('a', 'x'), prompt('b', 'y')]), signal());
  assert.equal(stopped.status, 'failed');
  assert.equal(stopped.error?.code, 'MODEL_OUTPUT_INVALID');
  const continued = await runFlow(
    testEngine({
      models: scriptedModels((_request, index) =>
        index === 0 ? { error: new FlowrunError('MODEL_OUTPUT_INVALID', 'bad') } : { chunks: ['fine'] },
      ),
    }),
    testRequest(
      [prompt('a', 'x', {}), { ...prompt('b', 'y'), errorHandling: 'continue' }].map((step, index) =>
        index === 0 ? { ...step, errorHandling: 'continue' } : step,
      ),
    ),
    signal(),
  );
  assert.equal(continued.status, 'completed');
  assert.equal(continued.failedSteps, 1);
  assert.equal(continued.output.b, 'fine');
});

test('errorHandling retry repeats only retryable errors, at most three times, and never a pause', async () => {
  const retryable = scriptedModels((_request, index) =>
    index < 2 ? { error: new FlowrunError('PROVIDER_ERROR', 'upstream 503') } : { chunks: ['third time'] },
  );
  const outcome = await runFlow(
    testEngine({ models: retryable }),
    testRequest([{ ...prompt('a', 'x'), errorHandling: 'retry' }]),
    signal(),
  );
  assert.equal(outcome.status, 'completed');
  assert.equal(retryable.requests.length, 3);

  const permanent = scriptedModels(() => ({ error: new FlowrunError('UNKNOWN_MODEL', 'no such model') }));
  await runFlow(testEngine({ models: permanent }), testRequest([{ ...prompt('a', 'x'), errorHandling: 'retry' }]), signal());
  assert.equal(permanent.requests.length, 1, 'a non-retryable error is not repeated');

  const pausing = scriptedModels(() => ({ toolCalls: [{ toolCallId: 'call_1', toolName: 'read_page', input: '{}' }] }));
  const paused = await runFlow(
    testEngine({ models: pausing }),
    testRequest([{ ...prompt('a', 'x'), errorHandling: 'retry' }], {
      clientTools: [
        { id: 'read_page', name: 'read_page', description: '', toolType: 'local', parametersSchema: { type: 'object' }, config: {} },
      ],
    }),
    signal(),
  );
  assert.equal(paused.status, 'paused');
  assert.equal(pausing.requests.length, 1, 'a pause is not retried');
});

test('a resumed run skips its completed steps and emits no second start event', async () => {
  const deps = testEngine({ checkpoints: memoryCheckpoints() });
  const request = testRequest([
    { id: 'a', name: 'a', type: 'set-variable', config: { variableName: 'a', value: 1 } },
    { id: 'b', name: 'b', type: 'set-variable', config: { variableName: 'b', value: '{{a}}' } },
  ]);
  const outcome = await runFlow(
    deps,
    {
      ...request,
      resume: resumeAfter(['a'], { a: 41 }),
    },
    signal(),
  );
  assert.equal(outcome.output.b, 41);
  assert.ok(!deps.events.types().includes('flow_start'));
  assert.deepEqual(
    deps.checkpoints.steps.map((step) => step.stepId),
    ['b'],
  );
});

test('a cancelled run ends as cancelled before its next step', async () => {
  const controller = new AbortController();
  const tools = scriptedTools({}, () => {
    controller.abort();
    return { ok: true, result: 1, costUsd: 0 };
  });
  const outcome = await runFlow(
    testEngine({ tools }),
    testRequest([
      { id: 't', name: 't', type: 'transform-data', config: { script: 'return 1;' } },
      { id: 'after', name: 'after', type: 'set-variable', config: { variableName: 'x', value: 1 } },
    ]),
    controller.signal,
  );
  assert.equal(outcome.status, 'cancelled');
  assert.equal(outcome.output.x, undefined);
});

test("templates read the record's metadata by name, {{userMessage}} and {{_user.id}}; inputs and outputs win over metadata", async () => {
  const deps = testEngine();
  const outcome = await runFlow(
    deps,
    testRequest(
      [
        {
          id: 'set',
          name: 'set',
          type: 'set-variable',
          config: { variableName: 'seen', value: '{{input}}|{{tier}}|{{userMessage}}|{{_user.id}}' },
        },
      ],
      {
        record: { id: null, name: 'Record', type: 'default', metadata: { input: 'Hello world', tier: 'from metadata' }, created: false },
        inputs: { tier: 'from inputs' },
        messages: [{ role: 'user', content: 'tell me a joke' }],
      },
    ),
    signal(),
  );
  assert.equal(outcome.output.seen, 'Hello world|from inputs|tell me a joke|tenant');
  assert.ok(!deps.events.types().includes('warning'), 'every name resolved');
});

test("a fallback model takes over when the provider does not have the step's model (UNKNOWN_MODEL)", async () => {
  const deps = testEngine({
    models: scriptedModels((request) =>
      request.model === 'gone-model'
        ? { error: new FlowrunError('UNKNOWN_MODEL', 'openai returned 404 for gone-model') }
        : { chunks: ['ok'] },
    ),
  });
  const outcome = await runFlow(deps, testRequest([prompt('a', 'hi', { model: 'gone-model', fallbackModels: ['gpt-4o-mini'] })]), signal());
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.output.a, 'ok');
  assert.ok(deps.events.types().includes('fallback_complete'));
});
