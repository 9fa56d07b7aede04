import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/config.js';
import { claimGraceMs } from '../src/store/idempotency-repository.js';
import { startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

const body = {
  flow: { name: 'once', steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi' } }] },
  options: { streamResponse: false },
};

test('20 first requests at once with one new Idempotency-Key start one run; all get it', async () => {
  harness.fake.reset();
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => harness.dispatch(body, { headers: { 'idempotency-key': 'race-key-1' } })),
  );
  const results = await Promise.all(
    responses.map(async (response) => ({
      status: response.status,
      body: (await response.json()) as { executionId: string; status: string },
    })),
  );
  for (const result of results) assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.equal(new Set(results.map((result) => result.body.executionId)).size, 1, 'one execution');
  assert.equal(harness.fake.requests.length, 1, 'the model was called once');
  assert.ok(results.every((result) => result.body.status === 'completed'));
});

test('a key whose first request was refused is given back: the next request with it runs', async () => {
  const refused = await harness.dispatch(
    { flow: { name: 'bad', steps: [{ id: 'x', name: 'X', type: 'teleport' }] } },
    { headers: { 'idempotency-key': 'race-key-2' } },
  );
  assert.equal(refused.status, 422);
  const accepted = await harness.dispatch(body, { headers: { 'idempotency-key': 'race-key-2' } });
  assert.equal(accepted.status, 200);
  assert.equal(((await accepted.json()) as { status: string }).status, 'completed');
});

test('a key claimed by a server that died before creating its run is taken over once the claim is abandoned', async () => {
  const db = await openDatabase(harness.config);
  try {
    // What a SIGKILL between the claim and the run's insert leaves behind.
    await db
      .insertInto('idempotency_keys')
      .values({
        tenant_id: 'default',
        mode: 'test',
        key: 'race-key-3',
        execution_id: 'exec_never_created',
        created_at: Date.now() - claimGraceMs - 1,
      })
      .execute();
  } finally {
    await db.destroy();
  }
  harness.fake.reset();
  // That the first claim attempt takes it over, with no wait, is src/api/idempotency.test.ts.
  const response = await harness.dispatch(body, { headers: { 'idempotency-key': 'race-key-3' } });
  assert.equal(response.status, 200);
  const result = (await response.json()) as { executionId: string; status: string };
  assert.notEqual(result.executionId, 'exec_never_created');
  assert.equal(result.status, 'completed');
  const again = await harness.dispatch(body, { headers: { 'idempotency-key': 'race-key-3' } });
  assert.equal(((await again.json()) as { executionId: string }).executionId, result.executionId);
  assert.equal(harness.fake.requests.length, 1);
});
