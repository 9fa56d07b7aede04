import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, readConfig } from '../src/config.js';
import { getBalance, ledgerSum } from '../src/store/credits-repository.js';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider } from './support/fake-provider.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { readSse } from './support/harness.js';
import { killProcess, runCli, startServerProcess } from './support/server-process.js';

/**
 * The fault harness: a real server process is killed with SIGKILL at seeded-random moments of multi-step
 * flows with tool calls, restarted, and each run must still complete with a gap-free event log, every step
 * completed once, no tool call re-executed except one in flight at a kill, and usage and credits that add up.
 */
// Small in `npm test` (it still kills mid-step); `npm run test:soak` runs 10 runs × 5 kills, or what these say.
const runs = Number(process.env.FLOWRUN_FAULT_RUNS ?? 1);
const killsPerRun = Number(process.env.FLOWRUN_FAULT_KILLS_PER_RUN ?? 2);
const seed = Number(process.env.FLOWRUN_FAULT_SEED ?? 20261122);

function mulberry32(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

let fake: FakeProvider;
let counter: Server;
let counterUrl: string;
const arrivals = new Map<string, Array<{ at: number; key: string }>>();
let dataDir: string;
let env: Record<string, string>;

before(async () => {
  fake = await startFakeProvider();
  // Like a real provider, the model mints new tool-call ids on every call: only a journaled turn keeps them.
  fake.script((request, index) => {
    const step = /step (\w+)/.exec(request.lastUserText)?.[1] ?? 'x';
    return toolResultsIn(request).length === 0
      ? {
          toolCalls: [{ id: `call_${step}_${index}`, name: 'record', arguments: JSON.stringify({ step }) }],
          delayMs: 15,
          usage: { input: 20, output: 10 },
        }
      : { chunks: ['done ', 'with ', step], delayMs: 15, usage: { input: 30, output: 5 } };
  });
  counter = createServer(async (request, response) => {
    const key = String(request.headers['idempotency-key']);
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const { step } = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as { step?: string };
    // By execution and step: the logical call, whatever key it carried.
    const logical = `${key.split(':')[0]}:${step}`;
    arrivals.set(logical, [...(arrivals.get(logical) ?? []), { at: Date.now(), key }]);
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ recorded: key }));
    }, 20);
  });
  await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
  counterUrl = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'flowrun-fault-'));
  env = {
    FLOWRUN_DATA_DIR: dataDir,
    PORT: '0',
    OPENAI_API_KEY: 'sk-fault',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_LOG_LEVEL: 'warn',
    FLOWRUN_SHUTDOWN_TIMEOUT_MS: '100',
  };
});
after(async () => {
  await fake.close();
  await new Promise((resolve) => counter.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

function startServer() {
  return startServerProcess({ ...env, FLOWRUN_LOG_LEVEL: 'info' });
}

const kill = killProcess;

const flow = (index: number) => ({
  flow: {
    name: `fault-${index}`,
    steps: [
      ...['a', 'b', 'c', 'd'].map((step) => ({
        id: step,
        name: step,
        type: 'prompt',
        config: {
          model: 'gpt-4o',
          userPrompt: `step ${step}`,
          outputVariable: step,
          tools: {
            runtimeTools: [
              {
                name: 'record',
                toolType: 'external',
                parametersSchema: { type: 'object', properties: { step: { type: 'string' } } },
                config: { url: `${counterUrl}/record`, method: 'POST' },
              },
            ],
          },
        },
      })),
      { id: 'e', name: 'e', type: 'set-variable', config: { variableName: 'summary', value: '{{a}} / {{d}}' } },
    ],
  },
});

test(
  `${runs * killsPerRun} SIGKILLs at seeded-random points: every run completes, gap-free, with no completed work done twice`,
  { timeout: 600_000 },
  async () => {
    const random = mulberry32(seed);
    const key = runCli(['keys', 'create'], env).stdout.trim();
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const kills: number[] = [];
    const executionIds: string[] = [];
    let server = await startServer();
    try {
      for (let index = 0; index < runs; index++) {
        const response = await fetch(`${server.url}/v1/dispatch`, { method: 'POST', headers: auth, body: JSON.stringify(flow(index)) });
        const executionId = response.headers.get('x-execution-id')!;
        executionIds.push(executionId);
        void readSse(response).catch(() => undefined);
        for (let k = 0; k < killsPerRun; k++) {
          await new Promise((resolve) => setTimeout(resolve, 30 + random() * 250));
          // The kill's time is when the process is gone: a call that arrived before it belongs to the old process.
          await kill(server.child);
          kills.push(Date.now());
          server = await startServer();
        }
        // After the last restart the run must finish on its own.
        let execution: Record<string, any> = {};
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          execution = (await (await fetch(`${server.url}/v1/executions/${executionId}`, { headers: auth })).json()) as Record<string, any>;
          if (!['running', 'queued'].includes(execution.status)) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(execution.status, 'completed', `run ${index}: ${JSON.stringify(execution.error)}`);
        assert.equal(execution.output.summary, 'done with a / done with d');

        const events = await readSse(await fetch(`${server.url}/v1/executions/${executionId}/events?events=runtype`, { headers: auth }));
        const stored = (await (await fetch(`${server.url}/v1/executions/${executionId}`, { headers: auth })).json()) as Record<string, any>;
        assert.equal(stored.eventCount, Number(events.at(-1)!.id));
        const ids = events.map((event) => Number(event.id));
        for (let position = 1; position < ids.length; position++)
          assert.ok(ids[position]! > ids[position - 1]!, `run ${index}: events out of order`);
        for (const step of ['a', 'b', 'c', 'd', 'e']) {
          assert.equal(
            events.filter((event) => event.event === 'step_complete' && event.data.id === step).length,
            1,
            `run ${index}: step ${step} completed once`,
          );
        }
        assert.equal(events.filter((event) => event.event === 'flow_complete').length, 1);
        assert.equal(stored.steps.length, 5);
        // Usage adds up: the run's usage is the sum of its steps', and its credits match its cost.
        const stepCost = stored.steps.reduce(
          (sum: number, step: { usage: { costUsd: number } | null }) => sum + (step.usage?.costUsd ?? 0),
          0,
        );
        assert.equal(Math.round(stored.usage.costUsd * 1e9), Math.round(stepCost * 1e9), `run ${index}: usage`);
        assert.equal(stored.creditsUsed, Math.ceil(stored.usage.costUsd * 1e6 - 1e-6), `run ${index}: credits`);
        // Tool calls: each ran once, except one cut short by a kill (delivered again after the restart).
        for (const step of ['a', 'b', 'c', 'd']) {
          const calls = arrivals.get(`${executionId}:${step}`) ?? [];
          const times = calls.map((call) => call.at);
          assert.ok(times.length >= 1, `run ${index}: tool of step ${step} ran`);
          // A repeated call carries the Idempotency-Key of its first attempt (the model's turn was journaled).
          assert.equal(
            new Set(calls.map((call) => call.key)).size,
            1,
            `run ${index}: step ${step} called with ${calls.map((call) => call.key).join(', ')}`,
          );
          for (let position = 1; position < times.length; position++) {
            const killBetween = kills.some((at) => at >= times[position - 1]! && at <= times[position]!);
            assert.ok(killBetween, `run ${index}: tool of step ${step} ran twice without a crash in between`);
          }
        }
      }
    } finally {
      await kill(server.child);
    }
    // The stored event logs are gap-free (every sequence number from 1 to the last, once), and the ledger adds
    // up across all the crashes.
    const db = await openDatabase(readConfig({ FLOWRUN_DATA_DIR: dataDir }));
    const scope = { tenantId: 'default', mode: 'test' as const };
    const gaps: string[] = [];
    let ledger: { balance: number; sum: number; held: number; gaps: string[] };
    try {
      const reserved = await db
        .selectFrom('executions')
        .select((eb) => eb.fn.sum<number>('credits_reserved').as('held'))
        .executeTakeFirst();
      for (const id of executionIds) {
        const rows = await db.selectFrom('execution_events').select('seq').where('execution_id', '=', id).orderBy('seq').execute();
        rows.forEach((row, index) => {
          if (Number(row.seq) !== index + 1) gaps.push(`${id}@${index}`);
        });
      }
      ledger = { balance: await getBalance(db, scope), sum: await ledgerSum(db, scope), held: Number(reserved?.held ?? 0), gaps };
    } finally {
      await db.destroy();
    }
    assert.deepEqual(ledger.gaps, [], 'stored event logs are gap-free');
    assert.equal(ledger.held, 0, 'no reservation is left behind');
    assert.equal(ledger.sum, ledger.balance, 'the ledger adds up to the balance');
  },
);
