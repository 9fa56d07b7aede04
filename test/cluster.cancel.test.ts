import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/config.js';
import { getBalance, ledgerSum } from '../src/store/credits-repository.js';
import { getExecutionRow } from '../src/store/executions-repository.js';
import { authHeaders, readSse } from './support/harness.js';
import { startFakeProvider } from './support/fake-provider.js';
import { createTestDatabase, postgresSkip } from './support/postgres.js';
import { killProcess, runCli, startCliProcess, startServerProcess } from './support/server-process.js';

const redisUrl = process.env.FLOWRUN_TEST_REDIS_URL;
const skip = postgresSkip || (redisUrl ? false : 'FLOWRUN_TEST_REDIS_URL is not set');

const flow = {
  name: 'cancel-queued',
  steps: [{ id: 'one', name: 'One', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'never asked' } }],
};

test(
  'a run cancelled while still in the queue never starts: no worker held it when the cancel came; the first worker to pick it up ends it cancelled, no model is called, its reservation goes back',
  { skip },
  async () => {
    const fake = await startFakeProvider();
    const database = await createTestDatabase('flowrun_cancel');
    const dataDir = mkdtempSync(join(tmpdir(), 'flowrun-cancel-'));
    const env = {
      FLOWRUN_DATA_DIR: dataDir,
      FLOWRUN_DATABASE_URL: database.url,
      FLOWRUN_REDIS_URL: redisUrl!,
      FLOWRUN_REDIS_PREFIX: `flowrun-cancel-${process.pid}-${Date.now().toString(36)}`,
      FLOWRUN_SECRET_KEY: 'cc'.repeat(32),
      FLOWRUN_LOG_LEVEL: 'info',
      PORT: '0',
      OPENAI_API_KEY: 'sk-test-openai',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    };
    const processes: Array<{ child: import('node:child_process').ChildProcess }> = [];
    const db = await openDatabase({ databaseUrl: database.url } as never);
    try {
      const key = runCli(['keys', 'create'], env).stdout.trim();
      const api = await startServerProcess(env);
      processes.push(api);
      // No worker yet: every run waits in the queue.
      const streams = await Promise.all(
        [0, 1, 2].map(async () => {
          const response = await fetch(`${api.url}/v1/dispatch?events=unified`, {
            method: 'POST',
            headers: authHeaders(key),
            body: JSON.stringify({ flow }),
          });
          return { id: response.headers.get('x-execution-id')!, events: readSse(response) };
        }),
      );
      for (const { id } of streams) {
        const cancelled = await fetch(`${api.url}/v1/executions/${id}/cancel`, { method: 'POST', headers: authHeaders(key), body: '{}' });
        assert.equal(cancelled.status, 200, await cancelled.text());
        assert.notEqual((await getExecutionRow(db, id))?.cancel_requested_at ?? null, null, 'the cancel is recorded');
      }
      const worker = await startCliProcess(['worker'], { ...env, FLOWRUN_WORKER_PORT: '0' }, /flowrun worker started/);
      processes.push(worker);
      for (const { id, events } of streams) {
        const frames = await events;
        const told = JSON.stringify(frames);
        assert.ok(
          !/step_start|step-start/.test(told),
          `${id}: no step started: ${frames.map((frame) => JSON.stringify(frame.data).slice(0, 160)).join('\n')}`,
        );
        assert.match(told, /cancel/i, `${id}: the stream says the run was cancelled`);
        const row = await getExecutionRow(db, id);
        assert.equal(row?.status, 'cancelled', `${id} is ${row?.status}`);
        assert.equal(row?.credits_reserved, null, 'the reservation was settled');
      }
      assert.equal(fake.requests.length, 0, 'no model was called');
      const scope = { tenantId: 'default', mode: 'test' as const };
      assert.equal(await getBalance(db, scope), await ledgerSum(db, scope), 'the ledger adds up to the balance');
      // A cancel of a run that has ended is refused, not answered 200.
      const late = await fetch(`${api.url}/v1/executions/${streams[0]!.id}/cancel`, {
        method: 'POST',
        headers: authHeaders(key),
        body: '{}',
      });
      assert.equal(late.status, 409);
    } finally {
      await Promise.all(processes.map((process) => killProcess(process.child)));
      await db.destroy();
      await fake.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
