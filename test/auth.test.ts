import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from '../src/config.js';
import { startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

const body = {
  flow: { name: 'mine', steps: [{ id: 'a', name: 'A', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'x' } }] },
  options: { streamResponse: false },
};

test("every route but /health and the dashboard's pages needs a valid key, answered 401 in Runtype's error body", async () => {
  assert.equal((await harness.request(`/health`)).status, 200);
  assert.equal((await harness.request(`/`)).status, 200);
  const attempts: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer' },
    { authorization: 'Bearer tv_test_short' },
    { authorization: `Bearer tv_test_${'A'.repeat(40)}` },
    { authorization: `Bearer rt_live_${'A'.repeat(40)}` },
    { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
  ];
  for (const headers of attempts) {
    for (const [method, path] of [
      ['POST', '/v1/dispatch'],
      ['GET', '/v1/executions'],
      ['GET', '/v1/executions/x/events'],
    ] as const) {
      const response = await harness.request(`${path}`, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify(body) : undefined,
      });
      assert.equal(response.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
      const error = (await response.json()) as { error: string; code: string; details: unknown[] };
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.match(error.error, /API key/);
      assert.ok(Array.isArray(error.details));
    }
  }
  // The Bearer word is optional, as in Runtype's own curl examples.
  const bare = await harness.request(`/v1/executions`, { headers: { authorization: harness.key } });
  assert.equal(bare.status, 200);
});

test("a test key never sees live data, and a tenant never sees another tenant's", async () => {
  const live = await harness.createKey('default', 'live');
  const other = await harness.createKey('acme', 'test');
  const run = async (key: string) =>
    ((await (await harness.dispatch(body, { key })).json()) as { executionId: string; flowId: string }).executionId;
  const testRun = await run(harness.key);
  const liveRun = await run(live);
  const otherRun = await run(other);
  const list = async (key: string) =>
    (
      (await (await harness.request(`/v1/executions?limit=100`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        data: Array<{ id: string }>;
      }
    ).data.map((execution) => execution.id);
  assert.deepEqual(await list(harness.key), [testRun]);
  assert.deepEqual(await list(live), [liveRun]);
  assert.deepEqual(await list(other), [otherRun]);
  for (const [key, foreign] of [
    [harness.key, liveRun],
    [live, testRun],
    [other, testRun],
    [harness.key, otherRun],
  ] as const) {
    const response = await harness.request(`/v1/executions/${foreign}`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(response.status, 404);
    const events = await harness.request(`/v1/executions/${foreign}/events`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(events.status, 404);
  }
  // Stored flows are per tenant and mode too.
  const created = (await (await harness.dispatch({ ...body, options: { streamResponse: false, flowMode: 'create' } })).json()) as {
    flowId: string;
  };
  const foreign = await harness.dispatch({ flow: { id: created.flowId }, options: { streamResponse: false } }, { key: live });
  assert.equal(foreign.status, 404);
});

test('/metrics serves Prometheus text, and asks for FLOWRUN_METRICS_TOKEN when one is set', async () => {
  harness.fake.script(() => ({ chunks: ['slow', ' answer'], delayMs: 300 }));
  const slow = { name: 'slow', steps: [{ id: 'a', name: 'A', type: 'prompt', config: { model: 'gpt-4o-mini', userPrompt: 'x' } }] };
  const stream = await harness.dispatch({ flow: slow, options: { streamResponse: true } });
  const open = await harness.request(`/metrics`);
  assert.equal(open.status, 200);
  assert.match(open.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await open.text();
  for (const name of [
    'process_cpu_seconds_total',
    'nodejs_eventloop_lag_p99_seconds',
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
  ])
    assert.match(text, new RegExp(`^${name} \\d`, 'm'), name);
  assert.match(text, /^flowrun_sse_connections 1$/m);
  await stream.text();
  const after = await (await harness.request(`/metrics`)).text();
  assert.match(after, /^flowrun_sse_connections 0$/m);
  // Runs by status, step and model latency, tokens and cost by model, events written, sandbox threads.
  for (const line of [
    /^flowrun_runs_total\{status="completed"\} [1-9]/m,
    /^flowrun_step_duration_seconds_count\{type="prompt",status="completed"\} [1-9]/m,
    /^flowrun_model_call_duration_seconds_bucket\{le="\+Inf",model="openai\/gpt-4o-mini",outcome="ok"\} [1-9]/m,
    /^flowrun_model_tokens_total\{model="openai\/gpt-4o-mini",kind="output"\} [1-9]/m,
    /^flowrun_model_cost_usd_total\{model="openai\/gpt-4o-mini"\} 0\.\d+/m,
    /^flowrun_events_written_total [1-9]/m,
    /^flowrun_sandbox_threads\{state="busy"\} 0$/m,
  ])
    assert.match(after, line);

  const guarded = await startHarness({ FLOWRUN_METRICS_TOKEN: 'scrape-me' });
  try {
    const refused = await guarded.request(`/metrics`, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(refused.status, 401);
    assert.doesNotMatch(await refused.text(), /process_cpu/);
    const allowed = await guarded.request(`/metrics`, { headers: { authorization: 'Bearer scrape-me' } });
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /^flowrun_runs_in_flight 0$/m);
  } finally {
    await guarded.close();
  }
});

test('/ready answers 200 when the database answers with every migration applied, 503 naming what is missing', async () => {
  const ready = await harness.request(`/ready`);
  assert.equal(ready.status, 200);
  const body = (await ready.json()) as { status: string; database: { ok: boolean; migrationsPending: string[] } };
  assert.equal(body.status, 'ready');
  assert.deepEqual(body.database.migrationsPending, []);

  // Another process rolled the schema record back: this server's schema is no longer the one it needs.
  const db = await openDatabase(harness.config);
  const last = (
    await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name desc limit 1`.execute(db)
  ).rows[0]!;
  await sql`delete from kysely_migration where name = ${last.name}`.execute(db);
  try {
    const notReady = await harness.request(`/ready`);
    assert.equal(notReady.status, 503);
    const missing = (await notReady.json()) as { status: string; database: { migrationsPending: string[] }; missing: string[] };
    assert.equal(missing.status, 'not_ready');
    assert.deepEqual(missing.missing, ['database'], '/ready names what is missing');
    assert.deepEqual(missing.database.migrationsPending, [last.name]);
  } finally {
    await sql`insert into kysely_migration (name, timestamp) values (${last.name}, ${last.timestamp})`.execute(db);
    await db.destroy();
  }
});
