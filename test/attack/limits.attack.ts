import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../src/config.js';
import { authHeaders, startHarness, type Harness } from '../support/harness.js';
import { awayFromMinuteEdge } from '../support/minute.js';
import { waitFor } from '../support/wait-for.js';

// Limits and keys, attacked at size: every spelling of an asked limit, a tenant fanning out into keys, revocations
// racing creations, and starts and continuations racing for the last places in flight. The counts are printed.
const ceiling = { rate: 120, inFlight: 3, keys: 12 };
let harness: Harness;
before(async () => {
  harness = await startHarness({
    FLOWRUN_RATE_LIMIT_PER_MINUTE: String(ceiling.rate),
    FLOWRUN_MAX_RUNS_IN_FLIGHT: String(ceiling.inFlight),
    FLOWRUN_MAX_KEYS_PER_TENANT: String(ceiling.keys),
    FLOWRUN_KEY_CREATIONS_PER_MINUTE: '0',
    FLOWRUN_KEY_CACHE_TTL_MS: '600000',
  });
});
after(() => harness.close());

const makeKey = (key: string, body: unknown) =>
  fetch(`${harness.baseUrl}/v1/keys`, { method: 'POST', headers: authHeaders(key), body: JSON.stringify(body) });
const cancel = (key: string, id: string) =>
  fetch(`${harness.baseUrl}/v1/executions/${id}/cancel`, { method: 'POST', headers: authHeaders(key), body: '{}' });
/** Cancels runs and waits until each has ended, so that none still holds a place. */
async function cancelAll(key: string, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => cancel(key, id)));
  await waitFor(async () => {
    const states = await Promise.all(
      ids.map(
        async (id) =>
          ((await (await fetch(`${harness.baseUrl}/v1/executions/${id}`, { headers: authHeaders(key) })).json()) as { status: string })
            .status,
      ),
    );
    return states.every((state) => state === 'cancelled' || state === 'failed' || state === 'completed');
  }, 'the cancelled runs ended');
}
const hanging = { name: 'h', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi' } }] };

test('every spelling of an asked limit: only 1 up to the ceiling (or null) makes a key, and no key is shown more than the ceiling', async () => {
  const values: unknown[] = [
    0,
    -1,
    -0,
    1,
    2,
    119,
    120,
    121,
    1_000,
    1e6,
    2 ** 31,
    2 ** 53,
    1e308,
    1.5,
    0.1,
    '10',
    '0',
    null,
    true,
    false,
    [],
    {},
    'Infinity',
  ];
  let made = 0;
  let refused = 0;
  const tenant = 'spellings';
  for (const field of ['rateLimitPerMinute', 'maxRunsInFlight'] as const) {
    const most = field === 'rateLimitPerMinute' ? ceiling.rate : ceiling.inFlight;
    for (const value of values) {
      const key = await harness.createKey(`${tenant}-${field}-${made + refused}`);
      const answer = await makeKey(key, { [field]: value });
      const allowed = value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= most);
      assert.equal(answer.status, allowed ? 201 : 422, `${field}: ${JSON.stringify(value)}`);
      if (allowed) {
        made++;
        const body = (await answer.json()) as { limits: Record<string, number> };
        assert.ok(body.limits[field]! >= 1 && body.limits[field]! <= most);
      } else {
        refused++;
        const body = (await answer.json()) as { details: Array<{ path: string }> };
        assert.equal(body.details[0]!.path, field);
      }
    }
  }
  console.log(`asked limits: ${made + refused} cases, ${made} made within the ceiling, ${refused} refused with the field's path`);
});

test('a tenant fanning out into keys: at most the key count, and all of them together within the tenant’s requests a minute', async () => {
  await awayFromMinuteEdge(15_000);
  const root = await harness.createKey('fanout');
  const keys = [root];
  const creations: number[] = [];
  for (let index = 0; index < ceiling.keys + 5; index++) {
    const answer = await makeKey(keys[index % keys.length]!, {});
    creations.push(answer.status);
    if (answer.status === 201) keys.push(((await answer.json()) as { key: string }).key);
  }
  assert.equal(keys.length, ceiling.keys, 'live keys stop at the tenant’s count');
  const statuses = await Promise.all(
    Array.from({ length: 300 }, (_, index) =>
      fetch(`${harness.baseUrl}/v1/flows`, { headers: authHeaders(keys[index % keys.length]!) }).then((answer) => answer.status),
    ),
  );
  const passed = statuses.filter((status) => status === 200).length + creations.length;
  assert.equal(passed, ceiling.rate, 'the tenant’s keys together got exactly the ceiling');
  assert.ok(statuses.every((status) => status === 200 || status === 429));
  console.log(
    `fan-out: ${creations.length} creations (${keys.length - 1} made), ${statuses.length} requests over ${keys.length} keys, ${passed} through a limit of ${ceiling.rate}`,
  );
});

test('revocations racing creations: no key outlives the revocation of the key that made it', async () => {
  const rounds = 60;
  let survivorsBefore = 0;
  for (let round = 0; round < rounds; round++) {
    const admin = await harness.createKey(`race-${round}`);
    const maker = (await (await makeKey(admin, {})).json()) as { id: string; key: string };
    await fetch(`${harness.baseUrl}/v1/flows`, { headers: authHeaders(maker.key) }); // cached for ten minutes
    const [revoked, ...made] = await Promise.all([
      fetch(`${harness.baseUrl}/v1/keys/${maker.id}`, { method: 'DELETE', headers: authHeaders(admin) }),
      makeKey(maker.key, {}),
      makeKey(maker.key, {}),
    ]);
    assert.equal(revoked.status, 200);
    survivorsBefore += made.filter((answer) => answer.status === 201).length;
    assert.equal((await makeKey(maker.key, {})).status, 401);
  }
  const db = await openDatabase(harness.config);
  try {
    const late = await db
      .selectFrom('api_keys as child')
      .innerJoin('api_keys as maker', 'maker.id', 'child.created_by_key_id')
      .select('child.id')
      .where('maker.revoked_at', 'is not', null)
      .whereRef('child.created_at', '>', 'maker.revoked_at')
      .execute();
    assert.equal(late.length, 0, 'no key was made after its maker was revoked');
  } finally {
    await db.destroy();
  }
  console.log(
    `revocation races: ${rounds} rounds, ${rounds * 2} creations raced, ${survivorsBefore} made before the revocation landed, 0 after`,
  );
});

test('starts and continuations racing for the last places: never more in flight than the cap', async () => {
  const key = await harness.createKey('places');
  const others = await Promise.all([makeKey(key, {}), makeKey(key, {})]);
  const keys = [key, ...(await Promise.all(others.map(async (answer) => ((await answer.json()) as { key: string }).key)))];
  harness.fake.script(() => ({ kind: 'hang' }));
  const starts = await Promise.all(
    Array.from({ length: 30 }, (_, index) => harness.dispatch({ flow: hanging }, { key: keys[index % 3]! })),
  );
  const started = starts.filter((answer) => answer.status === 200);
  assert.equal(started.length, ceiling.inFlight, 'as many starts as places');
  assert.ok(starts.every((answer) => answer.status === 200 || answer.status === 429));
  const ids = started.map((answer) => answer.headers.get('x-execution-id')!);
  await Promise.all(starts.map((answer) => answer.body?.cancel()));
  await cancelAll(key, ids);

  // Ten runs paused on a client tool, continued at once.
  harness.fake.script((request) =>
    JSON.stringify(request.body).includes('"role":"tool"')
      ? { kind: 'hang' }
      : { toolCalls: [{ id: 'c1', name: 'page', arguments: '{}' }] },
  );
  const tool = { name: 'page', description: 'the page', parametersSchema: { type: 'object', properties: {} } };
  const paused: string[] = [];
  while (paused.length < 10) {
    const answer = await harness.dispatch({ flow: hanging, clientTools: [tool], options: { streamResponse: false } }, { key });
    assert.equal(answer.status, 200, 'a paused run gives its place back');
    paused.push(((await answer.json()) as { executionId: string }).executionId);
  }
  const resumes = await Promise.all(
    paused.map((executionId) =>
      fetch(`${harness.baseUrl}/v1/dispatch/resume`, {
        method: 'POST',
        headers: authHeaders(keys[paused.indexOf(executionId) % 3]!),
        body: JSON.stringify({ executionId, toolOutputs: { page: 'x' } }),
      }),
    ),
  );
  const continued = resumes.filter((answer) => answer.status === 200).length;
  assert.equal(continued, ceiling.inFlight);
  await cancelAll(key, paused);
  await Promise.all(resumes.map((answer) => answer.body?.cancel()));
  console.log(
    `places: 30 starts over 3 keys → ${started.length} running; 10 continuations at once → ${continued} running (cap ${ceiling.inFlight})`,
  );
});
