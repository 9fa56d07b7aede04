import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  // No catch-all OpenAI-compatible endpoint here, so an unknown model id is refused.
  harness = await startHarness({ FLOWRUN_BODY_LIMIT_BYTES: String(256 * 1024), FLOWRUN_COMPAT_BASE_URL: '' });
});
after(() => harness.close());

const prompt = (config: Record<string, unknown> = {}) => ({
  id: 'p',
  name: 'P',
  type: 'prompt',
  config: { model: 'gpt-4o', userPrompt: 'hi', ...config },
});
const flow = (steps: unknown[], options: Record<string, unknown> = {}) => ({
  flow: { name: 'f', steps },
  options: { streamResponse: false, ...options },
});

interface Case {
  name: string;
  body: unknown;
  status: number;
  /** A substring the error's message or a detail's message must contain. */
  message?: RegExp;
  /** The path a detail must name. */
  path?: string;
  code?: string;
  /** The suggestion a detail must carry. */
  suggestion?: string;
  contentType?: string;
  query?: string;
}

const deepConditional = (depth: number): unknown =>
  depth === 0
    ? prompt()
    : { type: 'conditional', name: `c${depth}`, config: { condition: 'true', trueSteps: [deepConditional(depth - 1)] } };

const cases: Case[] = [
  { name: 'malformed JSON', body: '{"flow": ', status: 400, code: 'INVALID_JSON', message: /Malformed JSON/ },
  { name: 'empty body', body: '', status: 400, code: 'INVALID_JSON' },
  { name: 'trailing garbage', body: '{"flow":{}} x', status: 400, code: 'INVALID_JSON' },
  {
    name: '__proto__ key',
    body: '{"__proto__":{"admin":true},"flow":{"steps":[]}}',
    status: 400,
    code: 'INVALID_JSON',
    message: /__proto__/,
  },
  {
    name: 'invalid UTF-8',
    body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
    code: 'INVALID_UTF8',
  },
  {
    name: 'wrong content type',
    body: 'flow=1',
    status: 415,
    contentType: 'application/x-www-form-urlencoded',
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'text/plain body', body: '{}', status: 415, contentType: 'text/plain' },
  {
    name: 'body over the limit',
    body: JSON.stringify(flow([prompt({ userPrompt: 'x'.repeat(300 * 1024) })])),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  { name: 'array body', body: [], status: 422, path: '' },
  { name: 'string body', body: '"hello"', status: 422 },
  { name: 'missing flow', body: { record: { name: 'r' } }, status: 422, message: /Flow definition required/, path: 'flow' },
  {
    name: 'flow without steps (virtual)',
    body: { flow: { name: 'x' }, options: { flowMode: 'virtual' } },
    status: 422,
    path: 'flow.steps',
  },
  { name: 'flow is a string', body: { flow: 'abc' }, status: 422, path: 'flow', code: 'INVALID_TYPE' },
  { name: 'steps not an array', body: { flow: { steps: { a: 1 } } }, status: 422, path: 'flow.steps' },
  {
    name: 'unknown flowMode',
    body: flow([prompt()], { flowMode: 'sideways' }),
    status: 422,
    path: 'options.flowMode',
    code: 'INVALID_ENUM',
  },
  {
    name: 'unknown recordMode',
    body: flow([prompt()], { recordMode: 'maybe' }),
    status: 422,
    path: 'options.recordMode',
    code: 'INVALID_ENUM',
  },
  {
    name: 'streamResponse not a boolean',
    body: flow([prompt()], { streamResponse: 'yes' }),
    status: 422,
    path: 'options.streamResponse',
    code: 'INVALID_TYPE',
  },
  {
    name: 'unknown step type',
    body: flow([{ type: 'teleport', name: 'Beam me', config: {} }]),
    status: 422,
    code: 'UNKNOWN_STEP_TYPE',
    message: /'Beam me' has unknown type 'teleport'/,
    path: 'flow.steps[0].type',
  },
  {
    name: 'step type not run yet',
    body: flow([{ type: 'vector-search', name: 'Search vectors', config: {} }]),
    status: 422,
    code: 'UNKNOWN_STEP_TYPE',
    message: /does not run yet/,
  },
  {
    name: 'step without type',
    body: flow([{ name: 'x', config: {} }]),
    status: 422,
    path: 'flow.steps[0].type',
    code: 'MISSING_REQUIRED_FIELD',
  },
  {
    name: 'unknown model',
    body: flow([prompt({ model: 'nonexistent-model-x' })]),
    status: 422,
    code: 'UNKNOWN_MODEL',
    path: 'flow.steps[0].config.model',
  },
  {
    name: 'mistyped model',
    body: flow([prompt({ model: 'claud-sonnet-4-5' })]),
    status: 422,
    code: 'UNKNOWN_MODEL',
    path: 'flow.steps[0].config.model',
    message: /did you mean 'claude-sonnet-4-5'\?/,
    suggestion: "did you mean 'claude-sonnet-4-5'?",
  },
  { name: 'flow with an empty list of steps', body: flow([]), status: 422, code: 'MISSING_REQUIRED_FIELD', path: 'flow.steps' },
  {
    name: 'prompt without model',
    body: flow([{ type: 'prompt', name: 'P', config: { userPrompt: 'hi' } }]),
    status: 422,
    path: 'flow.steps[0].config.model',
    code: 'MISSING_REQUIRED_FIELD',
  },
  {
    name: 'prompt without any prompt',
    body: flow([{ type: 'prompt', name: 'P', config: { model: 'gpt-4o' } }]),
    status: 422,
    path: 'flow.steps[0].config.userPrompt',
  },
  { name: 'temperature out of range', body: flow([prompt({ temperature: 7 })]), status: 422, path: 'flow.steps[0].config.temperature' },
  { name: 'maxTokens negative', body: flow([prompt({ maxTokens: -5 })]), status: 422, path: 'flow.steps[0].config.maxTokens' },
  {
    name: 'responseFormat unknown',
    body: flow([prompt({ responseFormat: 'yaml' })]),
    status: 422,
    path: 'flow.steps[0].config.responseFormat',
    code: 'INVALID_ENUM',
  },
  {
    name: 'userPrompt a number',
    body: flow([prompt({ userPrompt: 42 })]),
    status: 422,
    path: 'flow.steps[0].config.userPrompt',
    code: 'INVALID_TYPE',
  },
  { name: 'enabled a string', body: flow([{ ...prompt(), enabled: 'no' }]), status: 422, path: 'flow.steps[0].enabled' },
  {
    name: 'invalid when expression',
    body: flow([{ ...prompt(), when: 'a ===' }]),
    status: 422,
    code: 'INVALID_EXPRESSION',
    path: 'flow.steps[0].when',
  },
  { name: 'when calling host code', body: flow([{ ...prompt(), when: 'process.exit(1)' }]), status: 422, code: 'INVALID_EXPRESSION' },
  {
    name: 'conditional without condition',
    body: flow([{ type: 'conditional', name: 'C', config: { trueSteps: [] } }]),
    status: 422,
    path: 'flow.steps[0].config.condition',
  },
  {
    name: 'cyclic conditional',
    body: flow([
      { id: 'a', type: 'conditional', name: 'A', config: { condition: 'true', trueSteps: ['b'] } },
      { id: 'b', type: 'conditional', name: 'B', config: { condition: 'true', trueSteps: ['a'] } },
    ]),
    status: 422,
    code: 'CYCLIC_STEP_REFERENCE',
    message: /cycle/,
  },
  {
    name: 'self-referencing conditional',
    body: flow([{ id: 'a', type: 'conditional', name: 'A', config: { condition: 'true', falseSteps: ['a'] } }]),
    status: 422,
    code: 'CYCLIC_STEP_REFERENCE',
  },
  { name: 'conditional nested too deep', body: flow([deepConditional(12)]), status: 422, message: /nest at most 10/ },
  {
    name: 'branch refers to unknown step',
    body: flow([{ type: 'conditional', name: 'C', config: { condition: 'true', trueSteps: ['ghost'] } }]),
    status: 422,
    message: /unknown step 'ghost'/,
  },
  { name: 'duplicate step ids', body: flow([prompt(), prompt()]), status: 422, message: /duplicate step id 'p'/, path: 'flow.steps[1].id' },
  { name: 'bad step id characters', body: flow([{ ...prompt(), id: 'has spaces' }]), status: 422, path: 'flow.steps[0].id' },
  {
    name: 'huge flow name',
    body: { flow: { name: 'n'.repeat(10_000), steps: [prompt()] }, options: { streamResponse: false } },
    status: 422,
    path: 'flow.name',
  },
  { name: 'secrets must be strings', body: { ...flow([prompt()]), secrets: { token: 123 } }, status: 422, path: 'secrets.token' },
  {
    name: 'messages with a bad role',
    body: { ...flow([prompt()]), messages: [{ role: 'wizard', content: 'x' }] },
    status: 422,
    path: 'messages[0].role',
    code: 'INVALID_ENUM',
  },
  { name: 'record metadata an array', body: { ...flow([prompt()]), record: { metadata: [1, 2] } }, status: 422, path: 'record.metadata' },
  { name: 'existing flow without id', body: { flow: { name: 'x' }, options: { flowMode: 'existing' } }, status: 422, path: 'flow.id' },
  {
    name: 'existing flow that does not exist',
    body: { flow: { id: 'flow_nope' }, options: { flowMode: 'existing' } },
    status: 404,
    path: 'flow.id',
  },
  { name: 'existing record without id', body: flow([prompt()], { recordMode: 'existing' }), status: 422, path: 'record.id' },
  {
    name: 'existing record that does not exist',
    body: { ...flow([prompt()], { recordMode: 'existing' }), record: { id: 'record_nope' } },
    status: 404,
    path: 'record.id',
  },
  {
    name: 'create flow without name',
    body: { flow: { steps: [prompt()] }, options: { flowMode: 'create', streamResponse: false } },
    status: 422,
    path: 'flow.name',
  },
  { name: 'unknown events dialect', body: flow([prompt()]), query: 'events=klingon', status: 422, path: 'query.events' },
  {
    name: 'set-variable without a name',
    body: flow([{ type: 'set-variable', name: 'S', config: { value: 1 } }]),
    status: 422,
    path: 'flow.steps[0].config.variableName',
  },
  {
    name: 'template step without template',
    body: flow([{ type: 'template', name: 'T', config: {} }]),
    status: 422,
    path: 'flow.steps[0].config.template',
    code: 'MISSING_REQUIRED_FIELD',
  },
];

/** Route-level input checks need no socket: the request goes through Fastify's inject. */
async function send(testCase: Case): Promise<{ status: number; body: string }> {
  const payload = Buffer.isBuffer(testCase.body)
    ? testCase.body
    : Buffer.from(typeof testCase.body === 'string' ? testCase.body : JSON.stringify(testCase.body));
  const response = await harness.inject({
    method: 'POST',
    url: `/v1/dispatch${testCase.query ? `?${testCase.query}` : ''}`,
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': testCase.contentType ?? 'application/json' },
    payload,
  });
  return { status: response.statusCode, body: response.body };
}

test(`refuses ${cases.length} kinds of bad input with the right status, code, message and path`, async () => {
  assert.ok(cases.length >= 30);
  for (const testCase of cases) {
    const { status, body } = await send(testCase);
    assert.equal(status, testCase.status, `${testCase.name}: status ${status} ${body.slice(0, 300)}`);
    const error = JSON.parse(body) as {
      error: string;
      code: string;
      details: Array<{ message: string; code: string; path?: string; suggestion?: string }>;
    };
    assert.equal(typeof error.error, 'string', `${testCase.name}: error message`);
    assert.ok(Array.isArray(error.details) && error.details.length > 0, `${testCase.name}: details`);
    const messages = [error.error, ...error.details.map((detail) => detail.message)].join(' | ');
    if (testCase.message) assert.match(messages, testCase.message, `${testCase.name}: ${messages}`);
    if (testCase.path !== undefined)
      assert.ok(
        error.details.some((detail) => detail.path === testCase.path),
        `${testCase.name}: wants path ${testCase.path}, got ${JSON.stringify(error.details)}`,
      );
    if (testCase.suggestion !== undefined)
      assert.ok(
        error.details.some((detail) => detail.suggestion === testCase.suggestion),
        `${testCase.name}: wants suggestion ${testCase.suggestion}, got ${JSON.stringify(error.details)}`,
      );
    if (testCase.code)
      assert.ok(
        error.code === testCase.code || error.details.some((detail) => detail.code === testCase.code),
        `${testCase.name}: wants code ${testCase.code}, got ${body}`,
      );
  }
  // None of it ran anything or stored a run.
  assert.equal(harness.fake.requests.length, 0);
  const list = await harness.request(`/v1/executions`, { headers: { authorization: `Bearer ${harness.key}` } });
  assert.equal(((await list.json()) as { pagination: { total: number } }).pagination.total, 0);
});

test('bad query parameters on the executions API are 422 with the parameter path', async () => {
  const response = await harness.request(`/v1/executions?limit=5000&status=sleeping`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  assert.equal(response.status, 422);
  const body = (await response.json()) as { details: Array<{ path: string }> };
  assert.deepEqual(body.details.map((detail) => detail.path).sort(), ['query.limit', 'query.status']);
  const missing = await harness.request(`/v1/executions/exec_missing`, { headers: { authorization: `Bearer ${harness.key}` } });
  assert.equal(missing.status, 404);
  const unknownRoute = await harness.request(`/v1/nowhere`, { headers: { authorization: `Bearer ${harness.key}` } });
  assert.equal(unknownRoute.status, 404);
});
