import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createUlidIds } from '../src/ids.js';
import { openDatabase } from '../src/config.js';
import { createApiKey, type KeyLimits } from '../src/store/keys-repository.js';
import { authHeaders, readSse, startHarness, type Harness } from './support/harness.js';
import { awayFromMinuteEdge } from './support/minute.js';

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_RATE_LIMIT_PER_MINUTE: '5', FLOWRUN_MAX_RUNS_IN_FLIGHT: '0' });
});
after(() => harness.close());

async function keyWith(limits: Partial<KeyLimits>, tenantId = 'default'): Promise<string> {
  const db = await openDatabase(harness.config);
  try {
    const ids = createUlidIds();
    return (await createApiKey(db, { tenantId, mode: 'test', id: ids.next('key'), now: new Date().toISOString(), limits })).key;
  } finally {
    await db.destroy();
  }
}

test('past its requests per minute a key gets 429 RATE_LIMITED with Retry-After; every answer says the limit, what is left and when it resets', async () => {
  await awayFromMinuteEdge();
  const key = await keyWith({});
  const answers = [];
  for (let index = 0; index < 6; index++) answers.push(await fetch(`${harness.baseUrl}/v1/flows`, { headers: authHeaders(key) }));
  assert.deepEqual(
    answers.map((response) => response.status),
    [200, 200, 200, 200, 200, 429],
  );
  assert.deepEqual(
    answers.map((response) => response.headers.get('x-ratelimit-remaining')),
    ['4', '3', '2', '1', '0', '0'],
  );
  const refused = answers.at(-1)!;
  assert.equal(refused.headers.get('x-ratelimit-limit'), '5');
  const reset = Number(refused.headers.get('x-ratelimit-reset'));
  assert.ok(reset * 1000 > Date.now() && reset * 1000 <= Date.now() + 61_000, 'reset is the end of this minute, in epoch seconds');
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60);
  const body = (await refused.json()) as { code: string; error: string };
  assert.equal(body.code, 'RATE_LIMITED');
  assert.match(body.error, /5 requests per minute/);
  // The operator's setting is the tenant's total as well: another key of the same tenant is held back with it.
  const sibling = await fetch(`${harness.baseUrl}/v1/flows`, { headers: authHeaders(await keyWith({})) });
  assert.equal(sibling.status, 429);
  assert.match(((await sibling.json()) as { error: string }).error, /this tenant's keys together may send 5/);
  // A key's own lower limit beats the ceiling; an operator's key with no limit of its own is held to the ceiling.
  const strict = await keyWith({ rateLimitPerMinute: 1 }, 'strict');
  assert.equal((await fetch(`${harness.baseUrl}/v1/flows`, { headers: authHeaders(strict) })).status, 200);
  assert.equal((await fetch(`${harness.baseUrl}/v1/flows`, { headers: authHeaders(strict) })).status, 429);
  const free = await keyWith({ rateLimitPerMinute: 0 }, 'free');
  const unlimited = [];
  for (let index = 0; index < 6; index++)
    unlimited.push((await fetch(`${harness.baseUrl}/v1/flows`, { headers: authHeaders(free) })).status);
  assert.deepEqual(unlimited, [200, 200, 200, 200, 200, 429]);
});

test('a key past its runs in flight gets 429 with Retry-After before anything runs; a place is free again once a run ends', async () => {
  const key = await keyWith({ maxRunsInFlight: 2, rateLimitPerMinute: 0 }, 'flight');
  harness.fake.script(() => ({ chunks: ['slow', ' answer'], delayMs: 300 }));
  const flow = { name: 'slow', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi' } }] };
  const requestsBefore = harness.fake.requests.length;
  const first = await harness.dispatch({ flow }, { key });
  const second = await harness.dispatch({ flow }, { key });
  const third = await harness.dispatch({ flow }, { key });
  assert.deepEqual([first.status, second.status, third.status], [200, 200, 429]);
  assert.equal(third.headers.get('retry-after'), '1');
  const body = (await third.json()) as { code: string; details: Array<{ message: string }> };
  assert.equal(body.code, 'RATE_LIMITED');
  assert.match(body.details[0]!.message, /2 runs of this key are queued or running; the limit is 2/);
  await Promise.all([readSse(first), readSse(second)]);
  assert.equal(harness.fake.requests.length - requestsBefore, 2, 'the refused run never reached the model');
  const again = await harness.dispatch({ flow }, { key });
  assert.equal(again.status, 200);
  await readSse(again);
});
