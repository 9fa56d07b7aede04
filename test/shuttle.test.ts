import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/config.js';
import { startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

const headers = (extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${harness.key}`,
  'content-type': 'application/json',
  ...extra,
});
async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
  const response = await fetch(`${harness.baseUrl}${path}`, {
    method,
    headers: headers(extra),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

const productFlow = (slug: string) => ({
  name: 'Product description',
  slug,
  entrypoint: 'main',
  templates: [
    {
      name: 'main',
      template: 'You are a copywriter for [[brand]]. [[house_rules]]',
      userTemplate: 'Describe [[product_name]] in a [[tone]] tone.',
      llm: 'gpt-4o',
      temperature: 0.7,
    },
    { name: 'house_rules', template: 'Never use exclamation marks.' },
  ],
});

async function createFlow(slug: string, flow: Record<string, unknown> = productFlow(slug)) {
  const created = await call('POST', '/api/v1/flows', flow);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body!;
}

test("the seed's run request, verbatim, returns exactly the seed's response shape", async () => {
  const flow = await createFlow('product_description');
  await call('POST', `/api/v1/flows/${flow.id}/versions/${flow.currentVersionId}/environments`, {
    environment: 'production',
    comment: 'launch',
  });
  harness.fake.script(() => ({ text: 'Meet the Smart Water Bottle — your hydration sidekick.', usage: { input: 85, output: 142 } }));
  const seedBody = `{
    "parameters": {
      "product_name": "Smart Water Bottle",
      "tone": "playful"
    },
    "environment": "production",
    "tags": ["campaign-spring-2025"]
  }`;
  const response = await fetch(`${harness.baseUrl}/api/v1/flows/product_description/runs`, {
    method: 'POST',
    headers: headers(),
    body: seedBody,
  });
  assert.equal(response.status, 200);
  const run = (await response.json()) as Record<string, any>;
  assert.deepEqual(
    Object.keys(run).sort(),
    [
      'cached',
      'creditsUsed',
      'flowId',
      'flowRequest',
      'id',
      'milliseconds',
      'responses',
      'tenantId',
      'timestamp',
      'usage',
      'warnings',
    ].sort(),
  );
  assert.equal(run.flowId, flow.id);
  assert.equal(run.tenantId, 'default');
  assert.deepEqual(run.flowRequest, JSON.parse(seedBody));
  assert.deepEqual(
    Object.keys(run.usage).sort(),
    ['creditsLeft', 'creditsUsed', 'costUsd', 'reasoningTokens', 'toolCost', 'tokensIn', 'tokensOut'].sort(),
  );
  // Each model call costs whole credits (rounded up once, per call), so every total adds up exactly.
  const costUsd = Math.ceil(85 * 2.5 + 142 * 10 - 1e-6) / 1e6;
  assert.deepEqual([run.usage.tokensIn, run.usage.tokensOut, run.usage.costUsd], [85, 142, costUsd]);
  assert.equal(run.creditsUsed, Math.ceil(costUsd * 1e6 - 1e-6));
  assert.equal(run.usage.creditsUsed, run.creditsUsed);
  assert.equal(typeof run.usage.creditsLeft, 'number');
  assert.equal(run.responses.length, 1);
  const [first] = run.responses;
  assert.deepEqual(
    {
      model: first.model,
      provider: first.provider,
      textResponse: first.textResponse,
      status: first.status,
      finishReason: first.finishReason,
    },
    {
      model: 'gpt-4o',
      provider: 'openai',
      textResponse: 'Meet the Smart Water Bottle — your hydration sidekick.',
      status: 'completed',
      finishReason: 'stop',
    },
  );
  assert.deepEqual(first.usage, { tokensIn: 85, tokensOut: 142, reasoningTokens: 0, costUsd });
  assert.deepEqual(run.warnings, ['Unresolved parameter [[brand]]: no parameter or template has that name; it was sent as written']);
  const sent = harness.fake.requests[0]!.body.messages as Array<{ role: string; content: string }>;
  assert.deepEqual(sent, [
    { role: 'system', content: 'You are a copywriter for [[brand]]. Never use exclamation marks.' },
    { role: 'user', content: 'Describe Smart Water Bottle in a playful tone.' },
  ]);
  assert.equal(harness.fake.requests[0]!.body.temperature, 0.7);
});

test('warnings name unresolved and unused parameters; messages follow the template turns; overrides reach the model', async () => {
  const flow = await createFlow('warned');
  harness.fake.script(() => ({ text: 'ok' }));
  const run = await call(
    'POST',
    `/api/v1/flows/warned/runs`,
    {
      parameters: { product_name: 'Lamp', tone: 'calm', brand: 'Acme', unused_one: 1 },
      messages: [
        { role: 'assistant', content: 'previous answer' },
        { role: 'user', content: 'shorter please' },
      ],
      overrideModel: 'claude-sonnet-4-5',
      temperature: 0.1,
      maxTokens: 99,
      vendorTools: ['web_search'],
    },
    { 'x-shuttle-debug-url': 'https://ci.example/build/7' },
  );
  assert.equal(run.status, 200, JSON.stringify(run.body));
  assert.deepEqual(run.body!.warnings, [
    "Parameter 'unused_one' was supplied but no template of the entrypoint uses it",
    "Vendor tool 'web_search' is not supported for anthropic; it was ignored",
  ]);
  const request = harness.fake.requests[0]!;
  assert.equal(request.protocol, 'anthropic');
  assert.equal(request.body.temperature, 0.1);
  assert.equal(request.body.max_tokens, 99);
  assert.deepEqual(
    (request.body.messages as Array<{ role: string }>).map((message) => message.role),
    ['user', 'assistant', 'user'],
  );
  assert.equal(run.body!.responses[0].model, 'claude-sonnet-4-5');
  const stored = await call('GET', `/api/v1/flows/${flow.id}/runs/${run.body!.id}`);
  assert.equal(stored.body!.id, run.body!.id);
});

test('versions are immutable once activated; environments resolve in order version > environment > production > current', async () => {
  const flow = await createFlow('versions');
  const v1 = flow.currentVersionId;
  // A draft is edited in place.
  const edited = await call('PATCH', `/api/v1/flows/${flow.id}`, { description: 'draft edit' });
  assert.equal(edited.body!.currentVersionId, v1);
  await call('POST', `/api/v1/flows/${flow.id}/versions/${v1}/environments`, { environment: 'production', comment: 'ship v1' });
  // Editing an activated version forks a new one.
  const forked = await call('PATCH', `/api/v1/flows/versions`, {
    templates: [{ name: 'main', template: 'V2 system', userTemplate: 'v2 [[product_name]]', llm: 'gpt-4o' }],
    comment: 'rewrite',
  });
  const v2 = forked.body!.currentVersionId;
  assert.notEqual(v2, v1);
  assert.equal(forked.body!.versions.find((version: { id: string }) => version.id === v1).locked, true);
  assert.equal((await call('POST', '/api/v1/environments', { name: 'canary' })).status, 201);
  assert.equal((await call('POST', '/api/v1/environments', { name: 'canary' })).status, 409);
  await call('POST', `/api/v1/flows/${flow.id}/versions/${v2}/environments`, { environment: 'canary', comment: 'try v2' });
  harness.fake.script((request) => ({ text: String((request.body.messages as Array<{ content: string }>)[0]!.content) }));
  const systemFor = async (body: Record<string, unknown>) =>
    (await call('POST', `/api/v1/flows/versions/runs`, { parameters: { product_name: 'x', tone: 'y', brand: 'z' }, ...body })).body!
      .responses[0].textResponse;
  assert.match(await systemFor({}), /^You are a copywriter/, 'production by default');
  assert.equal(await systemFor({ environment: 'canary' }), 'V2 system');
  assert.match(await systemFor({ environment: 'canary', version: v1 }), /^You are a copywriter/, 'version beats environment');
  assert.equal((await call('POST', `/api/v1/flows/versions/runs`, { environment: 'staging' })).status, 404);
  const activeWhere = await call('GET', `/api/v1/flows/${flow.id}/environments`);
  assert.deepEqual(activeWhere.body!.activeVersions, { production: v1, canary: v2 });
  const diff = await call('GET', '/api/v1/environments/diff?sourceEnvironment=canary&targetEnvironment=production');
  assert.deepEqual(
    diff.body!.flows.find((entry: { flowId: string }) => entry.flowId === flow.id),
    { flowId: flow.id, slug: 'versions', name: 'Product description', sourceVersionId: v2, targetVersionId: v1, status: 'different' },
  );
  const promoted = await call('POST', '/api/v1/environments/promote', {
    sourceEnvironment: 'canary',
    targetEnvironment: 'production',
    flowIds: [flow.id],
    comment: 'v2 is good',
  });
  assert.deepEqual(promoted.body!.promoted, [{ flowId: flow.id, versionId: v2, previousVersionId: v1 }]);
  assert.equal(await systemFor({}), 'V2 system');
  const audit = await call('GET', `/api/v1/audit?flowId=${flow.id}`);
  assert.deepEqual(
    audit.body!.data.map((entry: { action: string; comment: string | null }) => `${entry.action}:${entry.comment ?? ''}`),
    [
      'version.promote:v2 is good',
      'version.activate:try v2',
      'flow.fork:rewrite',
      'version.activate:ship v1',
      'flow.edit:',
      'flow.create:',
    ],
  );
  const bySlug = await call('GET', '/api/v1/audit?flowId=versions');
  assert.deepEqual(bySlug.body!.data, audit.body!.data, 'the audit trail of a flow by its slug is the same as by its id');
  // Dispatch's flowMode existing runs the environment's version too.
  const dispatched = (await (
    await harness.dispatch({ flow: { id: flow.id }, options: { flowMode: 'existing', environment: 'production', streamResponse: false } })
  ).json()) as { flowVersionId: string };
  assert.equal(dispatched.flowVersionId, v2);
});

test('flows are addressed by id or slug; slugs are unique; composition cycles are refused', async () => {
  const flow = await createFlow('by_slug');
  assert.equal((await call('GET', '/api/v1/flows/by_slug')).body!.id, flow.id);
  assert.equal((await call('GET', `/v1/flows/${flow.id}`)).body!.slug, 'by_slug');
  assert.equal((await call('POST', '/api/v1/flows', productFlow('by_slug'))).status, 409);
  const cyclic = await call('POST', '/api/v1/flows', {
    name: 'c',
    templates: [
      { name: 'main', template: '[[a]]', llm: 'gpt-4o' },
      { name: 'a', template: '[[b]]' },
      { name: 'b', template: '[[a]]' },
    ],
  });
  assert.equal(cyclic.status, 422);
  assert.match(JSON.stringify(cyclic.body), /cycle/);
  assert.equal((await call('DELETE', `/api/v1/flows/${flow.id}`)).status, 204);
  assert.equal((await call('GET', '/api/v1/flows/by_slug')).status, 404);
});

test('parameter discovery lists every token reachable from the entrypoint with its source', async () => {
  await createFlow('discover');
  const found = await call('GET', '/api/v1/flows/discover/parameters');
  assert.deepEqual(found.body, [
    { token: 'brand', source: 'template', template: 'main' },
    { token: 'house_rules', source: 'composition', template: 'main' },
    { token: 'product_name', source: 'template', template: 'main' },
    { token: 'tone', source: 'template', template: 'main' },
  ]);
  assert.equal((await call('GET', '/api/v1/flows/discover/parameters?entrypoint=nope')).status, 404);
});

test('identical runs come from the response cache at zero credits; a different nonce misses', async () => {
  await createFlow('cached');
  harness.fake.script(() => ({ text: 'fresh' }));
  const body = { parameters: { product_name: 'Pen', tone: 'dry', brand: 'B' }, nonce: 'n1' };
  const first = await call('POST', '/api/v1/flows/cached/runs', body);
  const second = await call('POST', '/api/v1/flows/cached/runs', body);
  assert.equal(harness.fake.requests.length, 1, 'the second run did not call the model');
  assert.equal(first.body!.cached, false);
  assert.equal(second.body!.cached, true);
  assert.equal(second.body!.creditsUsed, 0);
  assert.equal(second.body!.usage.creditsUsed, 0);
  assert.notEqual(second.body!.id, first.body!.id);
  assert.equal(second.body!.responses[0].textResponse, 'fresh');
  await call('POST', '/api/v1/flows/cached/runs', { ...body, nonce: 'n2' });
  assert.equal(harness.fake.requests.length, 2, 'another nonce is another request');
});

test('model aliases route Sequential with fallback on failure, RoundRobin in turn, and the response says which model answered', async () => {
  assert.equal(
    (await call('POST', '/api/v1/model-aliases', { alias: 'smart', models: ['gpt-4o', 'claude-sonnet-4-5'], strategy: 'Sequential' }))
      .status,
    201,
  );
  assert.equal(
    (await call('POST', '/api/v1/model-aliases', { alias: 'rr', models: ['gpt-4o', 'gpt-4o-mini'], strategy: 'RoundRobin' })).status,
    201,
  );
  assert.equal((await call('POST', '/api/v1/model-aliases', { alias: 'bad', models: ['google/x'], strategy: 'Sequential' })).status, 422);
  await createFlow('routed', { name: 'routed', slug: 'routed', templates: [{ name: 'main', userTemplate: 'hi', llm: 'smart' }] });
  harness.fake.script((request) => (request.model === 'gpt-4o' ? { kind: 'error', status: 503 } : { text: `from ${request.model}` }));
  const run = await call('POST', '/api/v1/flows/routed/runs', {});
  assert.equal(run.status, 200, JSON.stringify(run.body));
  assert.equal(run.body!.responses[0].model, 'claude-sonnet-4-5');
  assert.equal(run.body!.responses[0].textResponse, 'from claude-sonnet-4-5');
  harness.fake.reset();
  const models: string[] = [];
  for (let index = 0; index < 4; index++) {
    const response = await call('POST', '/api/v1/flows/routed/runs', { overrideModel: 'rr', nonce: String(index) });
    models.push(response.body!.responses[0].model);
  }
  assert.deepEqual(models, ['gpt-4o', 'gpt-4o-mini', 'gpt-4o', 'gpt-4o-mini']);
  // WeightedRandom with all the weight on one model always starts there; Random tries every model.
  await call('POST', '/api/v1/model-aliases', {
    alias: 'weighted',
    models: ['gpt-4o', 'gpt-4o-mini'],
    strategy: 'WeightedRandom',
    weights: [0, 1],
  });
  await call('POST', '/api/v1/model-aliases', { alias: 'random', models: ['gpt-4o', 'gpt-4o-mini'], strategy: 'Random' });
  assert.equal(
    (await call('POST', '/api/v1/model-aliases', { alias: 'unweighted', models: ['gpt-4o'], strategy: 'WeightedRandom' })).status,
    422,
  );
  for (let index = 0; index < 3; index++) {
    assert.equal(
      (await call('POST', '/api/v1/flows/routed/runs', { overrideModel: 'weighted', nonce: `w${index}` })).body!.responses[0].model,
      'gpt-4o-mini',
    );
  }
  const seen = new Set<string>();
  for (let index = 0; index < 20 && seen.size < 2; index++)
    seen.add((await call('POST', '/api/v1/flows/routed/runs', { overrideModel: 'random', nonce: `r${index}` })).body!.responses[0].model);
  assert.deepEqual([...seen].sort(), ['gpt-4o', 'gpt-4o-mini']);
});

test('responseSchema: a reply that does not validate is retried once, then an error', async () => {
  await createFlow('structured', {
    name: 's',
    slug: 'structured',
    templates: [
      {
        name: 'main',
        userTemplate: 'give json',
        llm: 'gpt-4o',
        responseSchema: { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] },
      },
    ],
  });
  harness.fake.script((_request, index) => ({ text: index === 0 ? '{"wrong": true}' : '{"score": 4}' }));
  const fixed = await call('POST', '/api/v1/flows/structured/runs', {});
  assert.equal(fixed.status, 200);
  assert.equal(fixed.body!.responses.length, 2, 'both model calls are listed');
  assert.deepEqual(fixed.body!.structuredResponse, { score: 4 });
  assert.match(
    String((harness.fake.requests[1]!.body.messages as Array<{ content: string }>).at(-1)!.content),
    /does not match the required JSON schema/,
  );
  // A first reply that is not JSON at all gets the same one retry (it was a 502 after one call).
  harness.fake.reset();
  harness.fake.script((_request, index) => ({ text: index === 0 ? 'Sure! The score is four.' : '{"score": 4}' }));
  const prose = await call('POST', '/api/v1/flows/structured/runs', { nonce: 'prose' });
  assert.equal(prose.status, 200);
  assert.deepEqual(prose.body!.structuredResponse, { score: 4 });
  assert.equal(harness.fake.requests.length, 2);
  harness.fake.reset();
  harness.fake.script(() => ({ text: '{"wrong": true}' }));
  const failed = await call('POST', '/api/v1/flows/structured/runs', { nonce: 'x' });
  assert.equal(failed.status, 502);
  assert.equal(failed.body!.code, 'MODEL_OUTPUT_INVALID');
  assert.equal(harness.fake.requests.length, 2);
});

test('feedback is upserted per run and shown on the run', async () => {
  await createFlow('feedback');
  harness.fake.script(() => ({ text: 'ok' }));
  const run = await call('POST', '/api/v1/flows/feedback/runs', { parameters: { product_name: 'a', tone: 'b', brand: 'c' } });
  const runId = run.body!.id;
  assert.equal((await call('POST', '/api/v1/feedback', { shuttleRequestId: runId, score: 1, text: 'great', endUserId: 'u1' })).status, 200);
  const replaced = await call('POST', '/api/v1/feedback', { shuttleRequestId: runId, score: -1, text: 'changed my mind' });
  assert.equal(replaced.body!.score, -1);
  const shown = await call('GET', `/api/v1/flows/feedback/runs/${runId}`);
  assert.deepEqual([shown.body!.feedback.score, shown.body!.feedback.text, shown.body!.feedback.endUserId], [-1, 'changed my mind', null]);
  assert.equal((await call('POST', '/api/v1/feedback', { shuttleRequestId: runId, score: 5 })).status, 422);
  assert.equal((await call('POST', '/api/v1/feedback', { shuttleRequestId: 'exec_nope', score: 1 })).status, 404);
});

test('the agent tree follows templates used as agent tools, with direct and cumulative credits', async () => {
  await createFlow('orchestrated', {
    name: 'orchestrated',
    slug: 'orchestrated',
    templates: [
      { name: 'main', template: 'You orchestrate.', userTemplate: 'Research [[topic]]', llm: 'gpt-4o', agentTools: ['research_agent'] },
      { name: 'research_agent', description: 'Researches a topic', template: 'You research.', llm: 'gpt-4o-mini' },
    ],
  });
  harness.fake.script((request) => {
    const system = String((request.body.messages as Array<{ content: string }>)[0]!.content);
    if (system === 'You research.') return { text: 'facts', usage: { input: 1000, output: 1000 } };
    return toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'r1', name: 'research_agent', arguments: '{"message":"otters"}' }] }
      : { text: 'done' };
  });
  const run = await call('POST', '/api/v1/flows/orchestrated/runs', { parameters: { topic: 'otters' } });
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const tree = await call('GET', `/api/v1/flows/orchestrated/runs/${run.body!.id}/agent-tree`);
  assert.equal(tree.body!.requestId, run.body!.id);
  assert.equal(tree.body!.agentRole, 'main');
  assert.equal(tree.body!.depth, 0);
  assert.equal(tree.body!.toolCalls[0].toolName, 'research_agent');
  assert.equal(tree.body!.toolCalls[0].toolType, 'Agent');
  const child = tree.body!.children[0];
  assert.equal(tree.body!.toolCalls[0].spawnedRequestId, child.requestId);
  assert.equal(child.agentRole, 'research_agent');
  assert.equal(child.depth, 1);
  assert.equal(child.creditsUsed, Math.round(1000 * 0.15 + 1000 * 0.6));
  assert.equal(tree.body!.totalTreeCreditsUsed, tree.body!.creditsUsed + child.totalTreeCreditsUsed);
  // One rounding rule: the tree's total is what the ledger charged the run (the child is charged with its root).
  const ledger = await call('GET', '/api/v1/credits/ledger?limit=100');
  const charged = (ledger.body!.data as Array<{ delta: number; executionId: string | null }>)
    .filter((entry) => entry.executionId === run.body!.id)
    .reduce((sum, entry) => sum - entry.delta, 0);
  assert.ok(charged > 0);
  assert.equal(tree.body!.totalTreeCreditsUsed, charged);
  assert.equal(run.body!.creditsUsed, charged);
});

test('the run log filters by flow, tag, customer (header over body), status and time; statistics total per customer and tag', async () => {
  const flow = await createFlow('logged');
  harness.fake.script(() => ({ text: 'ok', usage: { input: 10, output: 10 } }));
  const params = { product_name: 'a', tone: 'b', brand: 'c' };
  await call('POST', '/api/v1/flows/logged/runs', { parameters: params, tags: ['spring', 'email'], customerId: 'cust_a', nonce: '1' });
  await call(
    'POST',
    '/api/v1/flows/logged/runs',
    { parameters: params, tags: ['spring'], customerId: 'cust_body', nonce: '2' },
    { 'x-shuttle-customer-id': 'cust_b' },
  );
  await call('POST', '/api/v1/flows/logged/runs', { parameters: params, tags: ['fall'], customerId: 'cust_a', nonce: '3' });
  const spring = await call('GET', `/api/v1/runs?flowId=logged&tag=spring`);
  assert.equal(spring.body!.data.length, 2);
  const custB = await call('GET', `/api/v1/runs?customerId=cust_b`);
  assert.equal(custB.body!.data.length, 1, 'the header won over the body');
  assert.equal((await call('GET', `/api/v1/runs?customerId=cust_body`)).body!.data.length, 0);
  const future = await call('GET', `/api/v1/runs?flowId=${flow.id}&from=2999-01-01T00:00:00Z`);
  assert.equal(future.body!.data.length, 0);
  assert.equal((await call('GET', `/api/v1/runs?flowId=${flow.id}&status=completed`)).body!.data.length, 3);
  const byCustomer = await call('GET', `/api/v1/statistics/usage?groupBy=customer&flowId=${flow.id}`);
  const custA = byCustomer.body!.data.find((entry: { key: string }) => entry.key === 'cust_a');
  assert.equal(custA.runs, 2);
  assert.equal(custA.tokensIn, 20);
  const byTag = await call('GET', `/api/v1/statistics/usage?groupBy=tag&flowId=${flow.id}`);
  assert.deepEqual(byTag.body!.data.map((entry: { key: string; runs: number }) => `${entry.key}:${entry.runs}`).sort(), [
    'email:1',
    'fall:1',
    'spring:2',
  ]);
  assert.equal((await call('GET', '/api/v1/runs?from=yesterday')).status, 422);

  // The executions list (the dashboard's runs table) filters the same way and says each run's customer and tags.
  const executions = await call('GET', `/v1/executions?flowId=${flow.id}&tag=spring&customerId=cust_a`);
  assert.equal(executions.body!.data.length, 1);
  assert.deepEqual(executions.body!.data[0].tags, ['spring', 'email']);
  assert.equal(executions.body!.data[0].customerId, 'cust_a');
  // A time with an offset means the same instant as its UTC spelling.
  const until = (iso: string) => call('GET', `/v1/executions?flowId=${flow.id}&to=${encodeURIComponent(iso)}`);
  assert.equal((await until('2000-01-01T00:00:00Z')).body!.data.length, 0);
  assert.equal((await until('2999-01-01T00:00:00+05:00')).body!.pagination.total, 3);
  assert.equal((await call('GET', `/v1/executions?flowId=${flow.id}&from=2999-01-01T00:00:00Z`)).body!.data.length, 0);
  assert.equal((await call('GET', '/v1/executions?to=soon')).status, 422);

  // Usage per flow and per model, per day (UTC): what the dashboard's charts draw.
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  const byFlow = await call('GET', `/api/v1/statistics/usage?groupBy=flow&interval=day&flowId=${flow.id}`);
  assert.equal(byFlow.body!.interval, 'day');
  assert.deepEqual(
    byFlow.body!.data.map((entry: Record<string, unknown>) => [entry.key, entry.period, entry.runs, entry.tokensIn]),
    [[flow.name, day.toISOString(), 3, 30]],
  );
  const byModel = await call('GET', `/api/v1/statistics/usage?groupBy=model&flowId=${flow.id}`);
  assert.equal(byModel.body!.data.length, 1);
  assert.notEqual(byModel.body!.data[0].key, '(no model)');
  assert.equal(byModel.body!.data[0].runs, 3);
  assert.equal(byModel.body!.data[0].tokensOut, 30);

  // The credit ledger, newest first, ends where the balance is.
  const ledger = await call('GET', '/api/v1/credits/ledger?limit=2');
  assert.equal(ledger.body!.data.length, 2);
  assert.ok(ledger.body!.pagination.total >= 2);
  assert.equal(ledger.body!.data[0].balanceAfter, (await call('GET', '/api/v1/credits')).body!.creditsLeft);
  assert.equal((await call('GET', '/api/v1/credits/ledger?limit=0')).status, 422);
});

test('a repeated run request whose first answer was lost (recovery finished the run) gets the run, not a second one', async () => {
  await createFlow('recovered');
  harness.fake.script(() => ({ text: 'recovered copy', usage: { input: 85, output: 142 } }));
  const headers = { 'idempotency-key': 'shuttle-recovered-1' };
  const first = await call('POST', '/api/v1/flows/recovered/runs', { parameters: { product_name: 'x', tone: 'y', brand: 'z' } }, headers);
  assert.equal(first.status, 200);
  // What a crash after the run but before its answer leaves: the run and its steps, no stored document.
  const db = await openDatabase(harness.config);
  try {
    const row = await db.selectFrom('executions').select('meta').where('id', '=', first.body!.id).executeTakeFirstOrThrow();
    const { response: _dropped, ...meta } = JSON.parse(row.meta!) as Record<string, unknown>;
    await db
      .updateTable('executions')
      .set({ meta: JSON.stringify(meta) })
      .where('id', '=', first.body!.id)
      .execute();
  } finally {
    await db.destroy();
  }
  const again = await call('POST', '/api/v1/flows/recovered/runs', { parameters: { product_name: 'x', tone: 'y', brand: 'z' } }, headers);
  assert.equal(again.status, 200);
  assert.equal(harness.fake.requests.length, 1, 'the model was not asked again');
  for (const field of ['id', 'flowId', 'creditsUsed', 'responses', 'flowRequest', 'warnings']) {
    assert.deepEqual(again.body![field], first.body![field], field);
  }
  assert.deepEqual({ ...again.body!.usage, creditsLeft: 0 }, { ...first.body!.usage, creditsLeft: 0 });
});
