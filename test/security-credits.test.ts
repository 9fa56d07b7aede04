import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/config.js';
import { getBalance, ledgerSum } from '../src/store/credits-repository.js';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';

// gpt-4o-mini: 0.15 USD per million input tokens, 0.6 per million output tokens; 1,000,000 credits = 1 USD.
const callCredits = (input: number, output: number) => Math.ceil(((input * 0.15 + output * 0.6) / 1e6) * 1e6 - 1e-6);

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_INITIAL_CREDITS: '20000' });
});
after(() => harness.close());

async function ledger(tenantId: string) {
  const db = await openDatabase(harness.config);
  try {
    return { balance: await getBalance(db, { tenantId, mode: 'test' }), sum: await ledgerSum(db, { tenantId, mode: 'test' }) };
  } finally {
    await db.destroy();
  }
}

test('a 1 MB tool result fed back to the model is refused before the call that would overdraw, with a 402 error event', async () => {
  const key = await harness.createKey('big-result', 'test');
  harness.fake.reset();
  harness.fake.script((request) =>
    toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'call_1', name: 'dump', arguments: '{}' }], usage: { input: 50, output: 10 } }
      : { text: 'read it all', usage: { input: 250_000, output: 10 } },
  );
  const events = await readSse(
    await harness.dispatch(
      {
        flow: {
          name: 'dump',
          steps: [
            {
              id: 'p',
              name: 'P',
              type: 'prompt',
              config: {
                model: 'gpt-4o-mini',
                userPrompt: 'dump it',
                maxTokens: 100,
                tools: { runtimeTools: [{ name: 'dump', toolType: 'custom', config: { code: 'return "x".repeat(1000000);' } }] },
              },
            },
          ],
        },
      },
      { key, query: 'events=unified' },
    ),
  );
  const error = events.find(
    (event) => event.event === 'flow_error' || event.event === 'execution_error' || (event.data.type as string)?.endsWith('error'),
  );
  assert.ok(error, `an error event ends the run: ${events.map((event) => event.event).join(', ')}`);
  assert.match(JSON.stringify(error.data), /COST_LIMIT_EXCEEDED/);
  assert.equal(harness.fake.requests.length, 1, 'the second, unaffordable call was never made');
  const { balance, sum } = await ledger('big-result');
  assert.equal(balance, 20_000 - callCredits(50, 10), 'exactly the first call was charged');
  assert.equal(sum, balance);
});

test('an agent whose sub-agent keeps calling the model stops at the balance: every call it made is paid, none beyond', async () => {
  const key = await harness.createKey('looper', 'test');
  harness.fake.reset();
  let calls = 0;
  harness.fake.script((request) => {
    calls++;
    const system = JSON.stringify(request.body.messages ?? []);
    if (system.includes('You loop.'))
      return { toolCalls: [{ id: `noop_${calls}`, name: 'noop', arguments: '{}' }], usage: { input: 2_000, output: 1_000 } };
    return toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'delegate', name: 'worker', arguments: '{"message":"go"}' }], usage: { input: 100, output: 10 } }
      : { text: 'done', usage: { input: 100, output: 10 } };
  });
  const response = await harness.dispatch(
    {
      agent: {
        name: 'Lead',
        model: 'gpt-4o-mini',
        systemPrompt: 'You lead.',
        maxTokens: 500,
        tools: {
          runtimeTools: [
            {
              name: 'worker',
              toolType: 'subagent',
              config: {
                agent: {
                  name: 'Worker',
                  model: 'gpt-4o-mini',
                  systemPrompt: 'You loop.',
                  maxTokens: 500,
                  maxTurns: 100,
                  tools: { runtimeTools: [{ name: 'noop', toolType: 'custom', config: { code: 'return 1;' } }] },
                },
              },
            },
          ],
        },
      },
      messages: [{ role: 'user', content: 'work' }],
      options: { streamResponse: false },
    },
    { key },
  );
  assert.equal(response.status, 200);
  const body = (await response.json()) as { status: string; usage: { costUsd: number } };
  const { balance, sum } = await ledger('looper');
  assert.ok(balance >= 0, `balance ${balance}`);
  assert.equal(sum, balance, 'the ledger adds up');
  const charged = 20_000 - balance;
  const childCalls = calls - 1 - (body.status === 'completed' ? 1 : 0);
  const cost = callCredits(100, 10) * (calls - childCalls) + callCredits(2_000, 1_000) * childCalls;
  assert.ok(childCalls >= 3 && childCalls < 40, `the worker made ${childCalls} calls before the balance ran out`);
  assert.ok(Math.abs(charged - cost) <= calls, `charged ${charged} credits for calls that cost ${cost}: the operator paid for nothing`);
});

test('credits are charged once for a child run: its cost is part of its root run, not a second ledger entry', async () => {
  const key = await harness.createKey('once', 'test');
  harness.fake.reset();
  harness.fake.script((request) => {
    if (JSON.stringify(request.body.messages ?? []).includes('You help.')) return { text: 'helped', usage: { input: 1_000, output: 100 } };
    return toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'delegate', name: 'helper', arguments: '{"message":"x"}' }], usage: { input: 100, output: 10 } }
      : { text: 'ok', usage: { input: 100, output: 10 } };
  });
  const response = await harness.dispatch(
    {
      agent: {
        name: 'Lead',
        model: 'gpt-4o-mini',
        systemPrompt: 'You lead.',
        maxTokens: 100,
        tools: {
          runtimeTools: [
            {
              name: 'helper',
              toolType: 'subagent',
              config: { agent: { name: 'Helper', model: 'gpt-4o-mini', systemPrompt: 'You help.', maxTokens: 100 } },
            },
          ],
        },
      },
      messages: [{ role: 'user', content: 'go' }],
      options: { streamResponse: false },
    },
    { key },
  );
  const body = (await response.json()) as { status: string };
  assert.equal(body.status, 'completed');
  const { balance } = await ledger('once');
  assert.equal(20_000 - balance, callCredits(100, 10) * 2 + callCredits(1_000, 100));
});
