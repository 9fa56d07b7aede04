import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFlowrunClient, FlowrunApiError, type Step, type UnifiedEvent } from '../client/src/index.js';
import { startHarness, type Harness } from './support/harness.js';

// The typed client (client/) against a real server over HTTP, and against a scripted one for its retry rules.

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.close();
});

/** The FlowrunApiError a call fails with (the test fails if it succeeds). */
async function failure(call: Promise<unknown>): Promise<FlowrunApiError> {
  const caught = await call.then(
    () => assert.fail('expected the call to fail'),
    (error: unknown) => error,
  );
  assert.ok(FlowrunApiError.isInstance(caught), String(caught));
  return caught;
}

const client = () => createFlowrunClient({ baseUrl: harness.baseUrl, apiKey: harness.key, retryDelayMs: 10 });
const promptFlow = (model = 'gpt-4o-mini'): { name: string; steps: Step[] } => ({
  name: 'client',
  steps: [{ id: 'p', type: 'prompt', name: 'P', config: { model, userPrompt: 'Say hi', outputVariable: 'answer' } }],
});

test('dispatch streams typed unified events, and result() is the stored execution', async () => {
  harness.fake.script(() => ({ chunks: ['Hel', 'lo'] }));
  const run = client().dispatch({ flow: promptFlow(), options: { flowMode: 'virtual', recordMode: 'virtual' } });
  const types: string[] = [];
  let text = '';
  for await (const event of run) {
    types.push(event.type);
    if (event.type === 'text_delta') text += String(event.delta);
  }
  assert.equal(types[0], 'execution_start');
  assert.equal(types.at(-1), 'execution_complete');
  assert.equal(text, 'Hello');
  const execution = await run.result();
  assert.equal(execution.id, await run.executionId());
  assert.equal(execution.status, 'completed');
  assert.deepEqual(execution.output, { answer: 'Hello' });
});

test('any dialect: Runtype and Travrse frames, and result() without iterating', async () => {
  const runtype = client().dispatch({ flow: promptFlow('flowrun/echo') }, { dialect: 'runtype' });
  const names: string[] = [];
  for await (const event of runtype) names.push(event.type);
  assert.equal(names[0], 'flow_start');
  assert.equal(names.at(-1), 'flow_complete');
  const travrse = await client()
    .dispatch({ flow: promptFlow('flowrun/echo') }, { dialect: 'travrse' })
    .result();
  assert.equal(travrse.status, 'completed');
});

test('Step is the union of the step types, each with its own config, and narrows by type', async () => {
  const steps: Step[] = [
    { id: 'hi', type: 'set-variable', config: { variableName: 'greeting', value: 'Hi' } },
    {
      type: 'conditional',
      config: {
        condition: 'greeting == "Hi"',
        trueSteps: [{ type: 'prompt', config: { model: 'flowrun/echo', userPrompt: '{{greeting}}' } }],
      },
    },
  ];
  // @ts-expect-error a prompt's temperature is a number
  const wrongConfig: Step = { type: 'prompt', config: { temperature: 'hot' } };
  // @ts-expect-error a step type the server does not run
  const unknownType: Step = { type: 'teleport' };
  const first = steps[0]!;
  assert.equal(first.type === 'set-variable' ? first.config?.variableName : undefined, 'greeting');
  const result = await client().dispatchAndWait({ flow: { name: 'typed', steps } });
  assert.equal(result.status, 'completed');
  assert.ok(wrongConfig && unknownType);
});

test('errors are typed with the code, status, details and request id; 4xx are not retried', async () => {
  const before = harness.fake.requests.length;
  const error = await client()
    // A step type the server does not run: the client's types refuse it too, so it is cast to reach the server.
    .dispatch({ flow: { name: 'bad', steps: [{ name: 'Beam me', type: 'teleport' } as unknown as Step] } })
    .result()
    .then(
      () => assert.fail('a bad flow is refused'),
      (caught: unknown) => caught,
    );
  assert.ok(FlowrunApiError.isInstance(error));
  assert.equal(error.status, 422);
  assert.equal(error.code, 'VALIDATION_ERROR');
  assert.equal(error.details[0]!.path, 'flow.steps[0].type');
  assert.equal(error.retryable, false);
  assert.match(error.requestId ?? '', /^req_/);
  const unauthorized = await failure(createFlowrunClient({ baseUrl: harness.baseUrl, apiKey: 'nope' }).tools.list());
  assert.equal(unauthorized.code, 'UNAUTHORIZED');
  assert.equal(harness.fake.requests.length, before);
});

/** A server that answers each request with the next scripted reply. */
async function scripted(replies: Array<{ status: number; headers?: Record<string, string>; body: unknown }>) {
  const seen: string[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const reply = replies.shift() ?? { status: 500, body: { error: 'no more replies', code: 'INTERNAL_ERROR' } };
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

test('retryable answers are retried with backoff and Retry-After; others are not', async () => {
  const busy = { error: 'busy', code: 'RATE_LIMITED' };
  const server = await scripted([
    { status: 429, headers: { 'retry-after': '0' }, body: busy },
    { status: 503, body: { error: 'restarting', code: 'SHUTTING_DOWN' } },
    { status: 200, body: { data: [], pagination: { limit: 20, offset: 0, total: 0, hasMore: false } } },
    { status: 422, body: { error: 'bad', code: 'VALIDATION_ERROR', details: [{ message: 'name', path: 'name' }] } },
    { status: 429, headers: { 'retry-after': '0' }, body: busy },
    { status: 429, headers: { 'retry-after': '0' }, body: busy },
    { status: 429, headers: { 'retry-after': '0' }, body: busy },
  ]);
  try {
    const flaky = createFlowrunClient({ baseUrl: server.url, apiKey: 'k', retryDelayMs: 1, maxRetries: 2 });
    assert.deepEqual((await flaky.tools.list()).data, []);
    assert.equal(server.seen.length, 3, 'a 429 and a 503 were tried again');
    const refused = await failure(flaky.tools.create({ name: '', toolType: 'custom', config: { code: 'return 1;' } }));
    assert.equal(refused.code, 'VALIDATION_ERROR');
    assert.equal(server.seen.length, 4, 'a 422 is not');
    const limited = await failure(flaky.tools.list());
    assert.equal(limited.code, 'RATE_LIMITED');
    assert.equal(limited.retryAfterSeconds, 0);
    assert.equal(server.seen.length, 7, 'two retries, then the error');
  } finally {
    server.close();
  }
});

test('a dropped stream is resumed with Last-Event-ID: every event once, in order', async () => {
  harness.fake.script(() => ({ chunks: ['a', 'b', 'c', 'd', 'e', 'f'], delayMs: 30 }));
  let cut = false;
  // The first dispatch response breaks after its third frame, as a proxy that drops the connection would.
  const breakingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (cut || !String(input).includes('/v1/dispatch')) return response;
    cut = true;
    const reader = response.body!.getReader();
    let frames = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        frames += new TextDecoder().decode(value).split('\n\n').length - 1;
        if (frames >= 3) {
          void reader.cancel();
          controller.error(new Error('connection reset'));
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const resilient = createFlowrunClient({ baseUrl: harness.baseUrl, apiKey: harness.key, fetch: breakingFetch, retryDelayMs: 10 });
  const run = resilient.dispatch({ flow: promptFlow() });
  const events: UnifiedEvent[] = [];
  for await (const event of run) events.push(event);
  assert.ok(cut, 'the stream was cut');
  // Exactly the run's stored events, as a fresh replay reads them (the unified vocabulary skips the numbers of
  // events it does not show): none twice, none missing, in order.
  const replayed: UnifiedEvent[] = [];
  for await (const event of resilient.executions.events(await run.executionId())) replayed.push(event);
  assert.deepEqual(
    events.map((event) => event.seq),
    replayed.map((event) => event.seq),
  );
  assert.equal(events.at(-1)!.type, 'execution_complete');
  assert.equal(
    events
      .filter((event) => event.type === 'text_delta')
      .map((event) => String(event.delta))
      .join(''),
    'abcdef',
  );
  assert.equal((await run.result()).status, 'completed');
});

test('a paused run is approved through the client and streams on to its end', async () => {
  const flowrun = client();
  const paused = await flowrun
    .dispatch({ flow: { name: 'gated', steps: [{ id: 'gate', type: 'approval', name: 'Gate', config: { message: 'Go on?' } }] } })
    .result();
  assert.equal(paused.status, 'paused');
  const pending = (await flowrun.approvals.list({ status: 'pending' })).data.find((approval) => approval.executionId === paused.id);
  assert.ok(pending);
  const approved = flowrun.approve({ executionId: paused.id, approvalId: String(pending.id), decision: 'approved' });
  const types: string[] = [];
  for await (const event of approved) types.push(event.type);
  assert.ok(types.includes('approval_complete'));
  assert.equal((await approved.result()).status, 'completed');
});

test('PromptShuttle runs, stored resources, keys and models through the client', async () => {
  const flowrun = client();
  await flowrun.flows.create({
    name: 'Greeting',
    slug: 'client_greeting',
    templates: [{ name: 'main', template: 'Be kind.', userTemplate: 'Greet [[name]]', llm: 'gpt-4o-mini' }],
  });
  harness.fake.script(() => ({ chunks: ['Hi Ada'] }));
  const shuttle = await flowrun.runs.create('client_greeting', { parameters: { name: 'Ada' } });
  assert.equal(shuttle.responses[0]!.textResponse, 'Hi Ada');
  assert.equal((await flowrun.runs.get('client_greeting', shuttle.id)).status, 'completed');
  const [version] = (await flowrun.flows.versions('client_greeting')).data;
  await flowrun.flows.activate('client_greeting', String(version!.id), { environment: 'production' });
  assert.equal((await flowrun.flows.environments('client_greeting')).activeVersions.production, version!.id);
  assert.ok((await flowrun.environments.list()).data.includes('production'));
  assert.ok((await flowrun.audit.list({ flowId: 'client_greeting' })).data.length > 0);
  await flowrun.modelAliases.create({ alias: 'client_alias', models: ['flowrun/echo'], strategy: 'Sequential' });
  assert.ok((await flowrun.modelAliases.list()).data.some((alias) => alias.alias === 'client_alias'));
  await flowrun.modelAliases.delete('client_alias');
  assert.equal(typeof (await flowrun.credits.balance()).creditsLeft, 'number');
  assert.ok(Array.isArray((await flowrun.statistics.usage()).data));
  assert.deepEqual((await flowrun.executions.artifacts(shuttle.id)).data, []);
  const tool = await flowrun.tools.create({ name: 'client_add', description: 'Adds', toolType: 'custom', config: { code: 'return 1;' } });
  assert.equal((await flowrun.tools.get(String(tool.id))).name, 'client_add');
  await flowrun.tools.delete(String(tool.id));
  const record = await flowrun.records.create({ name: 'Acme', type: 'company' });
  assert.equal((await flowrun.records.get(String(record.id))).name, 'Acme');

  const made = await flowrun.keys.create({ name: 'from the client' });
  assert.match(made.key, /^tv_test_/);
  const listed = (await flowrun.keys.list()).data.find((key) => key.id === made.id);
  assert.ok(listed && !('key' in listed), 'the key itself is shown once, at creation');
  const second = createFlowrunClient({ baseUrl: harness.baseUrl, apiKey: made.key });
  assert.ok((await second.models.list()).data.some((model) => model.id === 'flowrun/echo'));
  await flowrun.keys.revoke(made.id);
  const revoked = await failure(second.models.list());
  assert.equal(revoked.status, 401);
});

test("the client's frame types are the server's (both generated from the golden frames)", () => {
  const body = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1).join('\n');
  const server = body('src/api/wire/frame-types.ts');
  assert.ok(body('client/src/frames.ts').startsWith(server), 'run node scripts/generate-frame-types.mjs');
});
