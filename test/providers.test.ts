import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_MODEL_TIMEOUT_MS: '1500', FLOWRUN_MODEL_IDLE_TIMEOUT_MS: '800', FLOWRUN_MODEL_MAX_RETRIES: '2' });
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

const single = (model: string, extra: Record<string, unknown> = {}) => ({
  flow: { name: 'p', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model, userPrompt: 'hello', ...extra } }] },
  options: { streamResponse: false },
});

async function json(body: unknown) {
  const response = await harness.dispatch(body);
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, any>;
}

test('429 with Retry-After and 5xx are retried with backoff; the run then succeeds', async () => {
  harness.fake.script((_request, index) =>
    index === 0
      ? { kind: 'error', status: 429, headers: { 'retry-after': '0.3' } }
      : index === 1
        ? { kind: 'error', status: 503 }
        : { text: 'third time lucky' },
  );
  const result = await json(single('gpt-4o'));
  assert.equal(result.finalOutput, 'third time lucky');
  assert.equal(harness.fake.requests.length, 3);
  // The waits as the fake saw the retries arrive (a loaded machine can only lengthen them): the 300 ms the
  // Retry-After asked for and the 503's backoff, each capped at FLOWRUN_MODEL_MAX_RETRY_DELAY_MS (200 ms here).
  // Which delay a response asks for is src/providers/retry-delay.test.ts. The fake stamps whole milliseconds.
  const cap = harness.config.providers.maxRetryDelayMs;
  const [first, second, third] = harness.fake.requests.map((request) => request.receivedAt) as [number, number, number];
  assert.ok(second - first >= cap - 1, `the retry after the 429 came ${second - first} ms after it, not after the Retry-After`);
  assert.ok(third - second >= cap - 1, `the retry after the 503 came ${third - second} ms after it, without backoff`);
});

test('retries are bounded: a provider that keeps failing fails the step with its message', async () => {
  harness.fake.script(() => ({ kind: 'error', status: 500, body: { error: { message: 'upstream exploded' } } }));
  const result = await json(single('gpt-4o'));
  assert.equal(result.status, 'failed');
  assert.equal(harness.fake.requests.length, 3, 'one call and two retries');
  assert.equal(result.error.code, 'PROVIDER_ERROR');
  assert.match(result.error.message, /500.*upstream exploded/);
});

test('4xx other than 429 is not retried', async () => {
  harness.fake.script(() => ({ kind: 'error', status: 400, body: { error: { message: 'bad temperature' } } }));
  const result = await json(single('gpt-4o'));
  assert.equal(result.status, 'failed');
  assert.equal(harness.fake.requests.length, 1);
  assert.match(result.error.message, /400.*bad temperature/);
});

test('a provider that never answers is a timeout error event, not a hang', async () => {
  harness.fake.script(() => ({ kind: 'hang' }));
  const response = await harness.dispatch({ ...single('gpt-4o'), options: { streamResponse: true } });
  const events = await readSse(response);
  assert.deepEqual(
    events.map((event) => event.event),
    ['flow_start', 'step_start', 'step_error', 'flow_error'],
  );
  assert.equal((events.at(-1)!.data.error as { code: string }).code, 'PROVIDER_TIMEOUT');
});

test('a stream that stalls mid-way times out; one that drops fails; neither is retried after output began', async () => {
  harness.fake.script(() => ({ chunks: ['a', 'b', 'c'], delayMs: 1200 }));
  const stalled = await json(single('gpt-4o'));
  assert.equal(stalled.status, 'failed');
  assert.equal(stalled.error.code, 'PROVIDER_TIMEOUT');
  harness.fake.reset();
  harness.fake.script(() => ({ chunks: ['a', 'b', 'c'], dropAfter: 1 }));
  const dropped = await json(single('claude-haiku-4-5'));
  assert.equal(dropped.status, 'failed');
  assert.equal(dropped.error.code, 'PROVIDER_ERROR');
  assert.equal(harness.fake.requests.length, 1);
});

test('usage is reported per step and per run, with reasoning tokens, and priced from the catalog', async () => {
  harness.fake.script((request) => ({ text: request.model, usage: { input: 1000, output: 500, reasoning: 200 } }));
  const result = await json({
    flow: {
      name: 'u',
      steps: [
        { id: 'a', name: 'A', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'x' } },
        { id: 'b', name: 'B', type: 'prompt', config: { model: 'o3-mini', userPrompt: 'y', reasoning: true } },
      ],
    },
    options: { streamResponse: false },
  });
  const [a, b] = result.steps;
  assert.deepEqual(a.usage, {
    inputTokens: 1000,
    outputTokens: 500,
    reasoningTokens: 200,
    costUsd: (1000 * 2.5 + 300 * 10 + 200 * 10) / 1e6,
  });
  assert.equal(b.usage.costUsd, (1000 * 1.1 + 500 * 4.4) / 1e6);
  assert.equal(result.usage.inputTokens, 2000);
  assert.equal(result.usage.reasoningTokens, 400);
  assert.equal(result.usage.costUsd, a.usage.costUsd + b.usage.costUsd);
  assert.equal(harness.fake.requests[1]!.body.reasoning_effort, 'medium', 'reasoning reaches OpenAI as reasoning_effort');
});

test('model settings reach the provider: temperature, max tokens, top_p, seed, system prompt, json mode', async () => {
  harness.fake.script(() => ({ text: '{"ok":true}' }));
  await json(single('gpt-4o', { systemPrompt: 'be brief', temperature: 0.2, maxTokens: 77, topP: 0.9, seed: 42, responseFormat: 'json' }));
  const body = harness.fake.requests[0]!.body;
  assert.equal(body.temperature, 0.2);
  assert.equal(body.max_tokens, 77);
  assert.equal(body.top_p, 0.9);
  assert.equal(body.seed, 42);
  assert.deepEqual(body.response_format, { type: 'json_object' });
  assert.deepEqual((body.messages as Array<{ role: string }>)[0], { role: 'system', content: 'be brief' });
});

test("Runtype's reasoning settings reach the providers: xhigh effort to OpenAI, thinkingBudget to Anthropic's thinking", async () => {
  harness.fake.script(() => ({ text: 'thought' }));
  await json(single('o3-mini', { reasoning: { enabled: true, reasoningEffort: 'xhigh' } }));
  assert.equal(harness.fake.requests[0]!.body.reasoning_effort, 'xhigh');
  await json(single('claude-sonnet-4-5', { reasoning: { enabled: true, thinkingBudget: 4096, includeThoughts: false } }));
  const thinking = harness.fake.requests[1]!.body.thinking as { type: string; budget_tokens: number };
  assert.deepEqual(thinking, { type: 'enabled', budget_tokens: 4096 });
});

test("an agent's frequencyPenalty and presencePenalty reach the provider", async () => {
  harness.fake.script(() => ({ text: 'ok' }));
  await json({
    agent: { name: 'Penalised', config: { model: 'gpt-4o', frequencyPenalty: 0.5, presencePenalty: -0.25 } },
    messages: [{ role: 'user', content: 'hi' }],
    options: { streamResponse: false },
  });
  assert.equal(harness.fake.requests[0]!.body.frequency_penalty, 0.5);
  assert.equal(harness.fake.requests[0]!.body.presence_penalty, -0.25);
});

test('the built-in flowrun/echo model answers with no provider at all', async () => {
  const result = await json(single('flowrun/echo'));
  assert.equal(result.finalOutput, 'hello');
  assert.equal(harness.fake.requests.length, 0);
});

test('FLOWRUN_MODEL_BASE_URL sends every model id, unchanged, to one OpenAI-compatible endpoint', async () => {
  const routed = await startHarness({ OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', FLOWRUN_COMPAT_BASE_URL: '' });
  try {
    // Without the variable and without keys, these models cannot run.
    const refused = await routed.dispatch(single('claude-sonnet-4-5'));
    assert.equal(refused.status, 422);
    const body = await refused.text();
    assert.match(body, /ANTHROPIC_API_KEY is not set/);
    assert.match(body, /"code":"MISSING_PROVIDER_KEY"/, 'its own code, not UNKNOWN_MODEL');
    assert.match(body, /flowrun\/echo/);
    assert.match(body, /FLOWRUN_MODEL_BASE_URL/);
  } finally {
    await routed.close();
  }
  const target = harness.fake.url;
  const one = await startHarness({
    OPENAI_API_KEY: '',
    ANTHROPIC_API_KEY: '',
    FLOWRUN_COMPAT_BASE_URL: '',
    FLOWRUN_MODEL_BASE_URL: `${target}/v1`,
  });
  try {
    for (const model of ['claude-sonnet-4-5', 'gpt-4o', 'meta/llama3.1-8b-instruct-free', 'anything-at-all']) {
      const response = await one.dispatch(single(model));
      assert.equal(response.status, 200, model);
    }
    assert.deepEqual(
      harness.fake.requests.map((request) => [request.model, request.protocol]),
      [
        ['claude-sonnet-4-5', 'openai'],
        ['gpt-4o', 'openai'],
        ['meta/llama3.1-8b-instruct-free', 'openai'],
        ['anything-at-all', 'openai'],
      ],
    );
  } finally {
    await one.close();
  }
});
