import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './support/server-process.js';
import { startHarness, type Harness } from './support/harness.js';
import { openDatabase } from '../src/config.js';
import { getBalance, ledgerSum } from '../src/store/credits-repository.js';

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_INITIAL_CREDITS: '50', FLOWRUN_ADMIN_TOKEN: 'admin-secret-token' });
  harness.fake.script(() => ({ text: 'ok', usage: { input: 12, output: 5 } }));
  const created = await harness.request(`/api/v1/flows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'cheap',
      slug: 'cheap',
      templates: [{ name: 'main', userTemplate: 'hi [[n]]', llm: 'gpt-4o-mini', maxTokens: 10 }],
    }),
  });
  assert.equal(created.status, 201);
});
after(() => harness.close());

const run = (nonce: string, extra: Record<string, unknown> = {}, key = harness.key) =>
  harness.request(`/api/v1/flows/cheap/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ parameters: { n: 1 }, nonce, ...extra }),
  });

async function ledger(tenantId = 'default', mode: 'test' | 'live' = 'test') {
  const db = await openDatabase(harness.config);
  try {
    return { balance: await getBalance(db, { tenantId, mode }), sum: await ledgerSum(db, { tenantId, mode }) };
  } finally {
    await db.destroy();
  }
}

test('50 concurrent runs against a small balance never overdraw it, and the ledger adds up', async () => {
  const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => run(`c${index}`)));
  const bodies = await Promise.all(
    responses.map(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, any> })),
  );
  const succeeded = bodies.filter((entry) => entry.status === 200);
  const refused = bodies.filter((entry) => entry.status === 402);
  assert.equal(
    succeeded.length + refused.length,
    50,
    JSON.stringify(bodies.filter((entry) => ![200, 402].includes(entry.status)).slice(0, 2)),
  );
  assert.ok(succeeded.length >= 1 && refused.length >= 1, `${succeeded.length} ran, ${refused.length} refused`);
  for (const entry of refused) assert.equal(entry.body.code, 'COST_LIMIT_EXCEEDED');
  const perRun = Math.ceil(((12 * 0.15 + 5 * 0.6) / 1e6) * 1e6 - 1e-6);
  for (const entry of succeeded) assert.equal(entry.body.creditsUsed, perRun);
  const { balance, sum } = await ledger();
  assert.ok(balance >= 0, `balance ${balance}`);
  assert.equal(balance, 50 - succeeded.length * perRun, 'what was charged is exactly what ran');
  assert.equal(sum, balance, 'the ledger entries add up to the balance');
  assert.equal(harness.fake.requests.length, succeeded.length, 'refused runs never called the model');
});

test('no credits left is 402 before the model is called; top-ups come from the admin endpoint or the CLI', async () => {
  // Spend until the balance no longer covers a run's worst case: that run is refused before the model is called.
  let calls = harness.fake.requests.length;
  let drained: Response;
  for (let index = 0; ; index++) {
    calls = harness.fake.requests.length;
    drained = await run(`drain${index}`);
    if (drained.status !== 200) break;
  }
  assert.equal(drained.status, 402);
  assert.equal(((await drained.json()) as { code: string }).code, 'COST_LIMIT_EXCEEDED');
  assert.equal(harness.fake.requests.length, calls, 'the refused run never called the model');
  const unauthorized = await harness.request(`/admin/credits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
    body: JSON.stringify({ tenantId: 'default', mode: 'test', amount: 1000 }),
  });
  assert.equal(unauthorized.status, 401);
  const topUp = await harness.request(`/admin/credits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer admin-secret-token' },
    body: JSON.stringify({ tenantId: 'default', mode: 'test', amount: 1000 }),
  });
  assert.equal(topUp.status, 200);
  const before = (await topUp.json()) as { creditsLeft: number };
  const ok = await run('after-topup');
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { usage: { creditsLeft: number }; creditsUsed: number };
  assert.equal(body.usage.creditsLeft, before.creditsLeft - body.creditsUsed, 'creditsLeft is in the run response');
  const cli = runCli(['credits', 'add', '--tenant', 'default', '--mode', 'test', '--amount', '500'], {
    FLOWRUN_DATA_DIR: harness.dataDir,
    ...(harness.config.databaseUrl ? { FLOWRUN_DATABASE_URL: harness.config.databaseUrl } : {}),
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, new RegExp(`${body.usage.creditsLeft + 500} credits`));
  const { balance, sum } = await ledger();
  assert.equal(sum, balance);
});

test('maxRequestCostCredits below the worst case is 402 COST_LIMIT_EXCEEDED and never calls the model', async () => {
  const calls = harness.fake.requests.length;
  const refused = await run('limited', { maxRequestCostCredits: 1 });
  assert.equal(refused.status, 402);
  const body = (await refused.json()) as { code: string; details: Array<{ path: string }> };
  assert.equal(body.code, 'COST_LIMIT_EXCEEDED');
  assert.equal(body.details[0]!.path, 'maxRequestCostCredits');
  assert.equal(harness.fake.requests.length, calls);
  assert.equal((await run('roomy', { maxRequestCostCredits: 100 })).status, 200);
  // Dispatch runs are debited from the same ledger.
  const dispatch = await harness.dispatch({
    flow: { name: 'd', steps: [{ type: 'prompt', name: 'P', config: { model: 'gpt-4o-mini', userPrompt: 'x', maxTokens: 10 } }] },
    options: { streamResponse: false, maxRequestCostCredits: 1 },
  });
  assert.equal(dispatch.status, 402);
});
