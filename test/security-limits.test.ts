// Issue 23, points 1, 2, 4, 5, 9 and 10: a tenant cannot lift the operator's limits, limits hold per tenant as well
// as per key, key creation is bounded, revocation sticks, continued runs take a place under the cap, /metrics
// labels are bounded, and every page carries the protective headers.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createUlidIds } from '../src/ids.js';
import { openDatabase } from '../src/config.js';
import { createApiKey, createKeyByKey } from '../src/store/keys-repository.js';
import { authHeaders, startHarness, type Harness } from './support/harness.js';
import { awayFromMinuteEdge } from './support/minute.js';

const adminToken = 'admin-token-for-limits';
let harness: Harness;
before(async () => {
  harness = await startHarness({
    FLOWRUN_RATE_LIMIT_PER_MINUTE: '60',
    FLOWRUN_MAX_RUNS_IN_FLIGHT: '2',
    FLOWRUN_MAX_KEYS_PER_TENANT: '4',
    FLOWRUN_KEY_CREATIONS_PER_MINUTE: '20',
    FLOWRUN_ADMIN_TOKEN: adminToken,
    // Long enough that only an explicit revocation, never the cache's expiry, can explain a refused key.
    FLOWRUN_KEY_CACHE_TTL_MS: '600000',
  });
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

interface KeyAnswer {
  id: string;
  key: string;
  limits: { rateLimitPerMinute: number; maxRunsInFlight: number; tenantRateLimitPerMinute: number; tenantMaxRunsInFlight: number };
}

const makeKey = (key: string, body: unknown = {}) =>
  harness.request(`/v1/keys`, { method: 'POST', headers: authHeaders(key), body: JSON.stringify(body) });
const listFlows = (key: string) => harness.request(`/v1/flows`, { headers: authHeaders(key) });
/** Cancels runs left hanging on the model, so that they do not hold the server's shutdown. */
const cancelRuns = (key: string, ids: Array<string | null>) =>
  Promise.all(ids.map((id) => harness.request(`/v1/executions/${id}/cancel`, { method: 'POST', headers: authHeaders(key), body: '{}' })));
const hangingFlow = { name: 'hangs', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi' } }] };

test('a key may ask only for limits at or below the operator’s: 0 (no limit) and more than the ceiling are 422s naming the field', async () => {
  const key = await harness.createKey('lift');
  for (const [body, path] of [
    [{ rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
    [{ maxRunsInFlight: 0 }, 'maxRunsInFlight'],
    [{ rateLimitPerMinute: 1_000_000 }, 'rateLimitPerMinute'],
    [{ maxRunsInFlight: 5 }, 'maxRunsInFlight'],
  ] as const) {
    const refused = await makeKey(key, body);
    assert.equal(refused.status, 422, JSON.stringify(body));
    const error = (await refused.json()) as { details: Array<{ path: string; message: string }> };
    assert.equal(error.details[0]!.path, path);
  }
  const made = await makeKey(key, { rateLimitPerMinute: 30, maxRunsInFlight: 1 });
  assert.equal(made.status, 201);
  const answer = (await made.json()) as KeyAnswer;
  assert.deepEqual(answer.limits, { rateLimitPerMinute: 30, maxRunsInFlight: 1, tenantRateLimitPerMinute: 60, tenantMaxRunsInFlight: 2 });
  // A key without limits of its own has the ceiling, and says so.
  const plain = (await (await makeKey(key)).json()) as KeyAnswer;
  assert.deepEqual(plain.limits, { rateLimitPerMinute: 60, maxRunsInFlight: 2, tenantRateLimitPerMinute: 60, tenantMaxRunsInFlight: 2 });
});

test('an admin-set ceiling for a tenant bounds what its keys may ask for and what they are shown; a limit stored above it is held to it', async () => {
  const db = await openDatabase(harness.config);
  const ids = createUlidIds();
  // The operator's CLI may give a key no limit; under a ceiling it still has one.
  const unlimited = (
    await createApiKey(db, {
      tenantId: 'ceiling',
      mode: 'test',
      id: ids.next('key'),
      now: new Date().toISOString(),
      limits: { rateLimitPerMinute: 0 },
    })
  ).key;
  await db.destroy();
  const set = await harness.request(`/admin/tenants/ceiling/limits`, {
    method: 'PUT',
    headers: authHeaders(adminToken),
    body: JSON.stringify({ mode: 'test', rateLimitPerMinute: 20, maxRunsInFlight: 1 }),
  });
  assert.equal(set.status, 200);
  const fresh = await harness.createKey('ceiling');
  assert.equal((await makeKey(fresh, { rateLimitPerMinute: 30 })).status, 422);
  assert.equal((await makeKey(fresh, { rateLimitPerMinute: 20 })).status, 201);
  const listed = (await (await harness.request(`/v1/keys`, { headers: authHeaders(fresh) })).json()) as { data: KeyAnswer[] };
  for (const key of listed.data) {
    assert.equal(key.limits.rateLimitPerMinute, 20, 'no key of the tenant is shown more than its ceiling');
    assert.equal(key.limits.maxRunsInFlight, 1);
  }
  assert.equal((await listFlows(unlimited)).headers.get('x-ratelimit-limit'), '20');
  // A tenant key is not an admin token.
  const asTenant = await harness.request(`/admin/tenants/ceiling/limits`, {
    method: 'PUT',
    headers: authHeaders(fresh),
    body: JSON.stringify({ mode: 'test', rateLimitPerMinute: 0 }),
  });
  assert.equal(asTenant.status, 401);
});

test('requests per minute hold per tenant: a key and two keys it made share the operator’s 60', async () => {
  await awayFromMinuteEdge();
  const key = await harness.createKey('together');
  const made = await Promise.all([makeKey(key), makeKey(key)]);
  const keys = [key, ...(await Promise.all(made.map(async (answer) => ((await answer.json()) as KeyAnswer).key)))];
  // Two creations and this many requests of three keys: past the tenant's 60 every key is refused.
  const statuses: number[] = [];
  for (let round = 0; round < 30; round++) for (const each of keys) statuses.push((await listFlows(each)).status);
  assert.equal(statuses.filter((status) => status === 200).length, 60 - 2, 'the tenant’s keys together got 60 requests (two made keys)');
  const refused = await listFlows(keys[1]!);
  assert.equal(refused.status, 429);
  assert.match(((await refused.json()) as { error: string }).error, /this tenant's keys together may send 60/);
});

test('runs in flight hold per tenant: three keys of one tenant run 2 at once under a cap of 2', async () => {
  harness.fake.script(() => ({ kind: 'hang' }));
  const key = await harness.createKey('inflight');
  const other = ((await (await makeKey(key)).json()) as KeyAnswer).key;
  const third = ((await (await makeKey(key)).json()) as KeyAnswer).key;
  const first = await harness.dispatch({ flow: hangingFlow }, { key });
  const second = await harness.dispatch({ flow: hangingFlow }, { key: other });
  const refused = await harness.dispatch({ flow: hangingFlow }, { key: third });
  assert.deepEqual([first.status, second.status, refused.status], [200, 200, 429]);
  assert.match(((await refused.json()) as { error: string }).error, /this tenant's keys together may have 2/);
  await cancelRuns(key, [first.headers.get('x-execution-id'), second.headers.get('x-execution-id')]);
  await Promise.all([first.body?.cancel(), second.body?.cancel()]);
});

test('key creation is bounded: live keys per tenant and mode, and creations per minute', async () => {
  const key = await harness.createKey('many');
  const statuses = [];
  for (let index = 0; index < 5; index++) statuses.push((await makeKey(key)).status);
  assert.deepEqual(statuses, [201, 201, 201, 409, 409], 'four live keys at most (the first one included)');
  const refused = (await (await makeKey(key)).json()) as { code: string; error: string };
  assert.equal(refused.code, 'QUOTA_EXCEEDED');
  assert.match(refused.error, /revoke one first/);
});

test('a revoked key stops at once in the process that revoked it, and cannot mint a survivor', async () => {
  const maker = await harness.createKey('revoke');
  assert.equal((await listFlows(maker)).status, 200, 'the key is now cached for ten minutes');
  const keys = (await (await harness.request(`/v1/keys`, { headers: authHeaders(maker) })).json()) as { data: KeyAnswer[] };
  const revoked = await harness.request(`/v1/keys/${keys.data[0]!.id}`, { method: 'DELETE', headers: authHeaders(maker) });
  assert.equal(revoked.status, 200);
  assert.equal((await listFlows(maker)).status, 401);
  assert.equal((await makeKey(maker)).status, 401, 'no key is made by a revoked key');
});

test('the store makes a key only while its maker is active (a process that still trusts a revoked key from its cache cannot mint one)', async () => {
  const db = await openDatabase(harness.config);
  const ids = createUlidIds();
  try {
    const now = new Date().toISOString();
    const { info } = await createApiKey(db, { tenantId: 'store', mode: 'test', id: ids.next('key'), now });
    const child = await createKeyByKey(db, { tenantId: 'store', mode: 'test', id: ids.next('key'), now, createdBy: info.id, maxKeys: 10 });
    assert.equal(child.info.createdByKeyId, info.id);
    await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', info.id).execute();
    await assert.rejects(
      createKeyByKey(db, { tenantId: 'store', mode: 'test', id: ids.next('key'), now, createdBy: info.id, maxKeys: 10 }),
      /revoked/,
    );
  } finally {
    await db.destroy();
  }
});

const pageTool = { name: 'page_title', description: 'Reads the page title', parametersSchema: { type: 'object', properties: {} } };
const pausingFlow = {
  name: 'pauses',
  steps: [{ id: 'ask', name: 'Ask', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'title?', outputVariable: 'answer' } }],
};

test('continuing a paused run takes a place under the cap: four paused runs, four parallel resumes, two run and two get 429 and stay paused', async () => {
  const key = await harness.createKey('resume');
  // The first model call asks for the page tool (the run pauses); the call after the resume hangs, holding its place.
  harness.fake.script((request) =>
    JSON.stringify(request.body).includes('"role":"tool"')
      ? { kind: 'hang' }
      : { toolCalls: [{ id: 'call_1', name: 'page_title', arguments: '{}' }] },
  );
  const paused: string[] = [];
  for (let index = 0; index < 4; index++) {
    const answer = await harness.dispatch({ flow: pausingFlow, clientTools: [pageTool], options: { streamResponse: false } }, { key });
    const body = (await answer.json()) as { executionId: string; status: string };
    assert.equal(body.status, 'paused');
    paused.push(body.executionId);
  }
  const resumes = await Promise.all(
    paused.map((executionId) =>
      fetch(`${harness.baseUrl}/v1/dispatch/resume`, {
        method: 'POST',
        headers: authHeaders(key),
        body: JSON.stringify({ executionId, toolOutputs: { page_title: 'Home' } }),
      }),
    ),
  );
  const statuses = resumes.map((answer) => answer.status).sort();
  assert.deepEqual(statuses, [200, 200, 429, 429]);
  const states = await Promise.all(
    paused.map(
      async (id) =>
        ((await (await harness.request(`/v1/executions/${id}`, { headers: authHeaders(key) })).json()) as { status: string }).status,
    ),
  );
  assert.deepEqual(
    states.sort(),
    ['paused', 'paused', 'running', 'running'],
    'a refused continuation leaves its run paused, to resume later',
  );
  // A new dispatch is refused too, while the two continued runs hold both places.
  assert.equal((await harness.dispatch({ flow: hangingFlow }, { key })).status, 429);
  await cancelRuns(key, paused);
  await Promise.all(resumes.map((answer) => answer.body?.cancel()));
});

test('/metrics labels models only from the catalog: any other model id is counted as `other`', async () => {
  const key = await harness.createKey('metrics');
  const invented = 'tenant-invented-model-7f3a';
  const flow = { name: 'm', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: invented, userPrompt: 'hi' } }] };
  const answer = await harness.dispatch({ flow, options: { streamResponse: false } }, { key });
  assert.equal(answer.status, 200);
  const metrics = await (await harness.request(`/metrics`)).text();
  assert.ok(!metrics.includes(invented), 'the tenant’s model id is not a label');
  assert.match(metrics, /flowrun_model_call_duration_seconds_count\{model="other",outcome="ok"\} [1-9]/);
});

test('every page the server serves carries frame, sniffing and referrer protection; the API browser has a content security policy', async () => {
  for (const path of ['/docs/static/index.html', '/docs', '/openapi.json', '/health', '/', '/no-such-page']) {
    const answer = await fetch(`${harness.baseUrl}${path}`, { redirect: 'manual' });
    assert.equal(answer.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(answer.headers.get('referrer-policy'), 'no-referrer', path);
    await answer.arrayBuffer();
  }
  const docs = await fetch(`${harness.baseUrl}/docs/static/index.html`);
  assert.equal(docs.status, 200);
  const policy = docs.headers.get('content-security-policy') ?? '';
  assert.match(policy, /frame-ancestors 'none'/);
  assert.match(policy, /script-src 'self'/);
});
