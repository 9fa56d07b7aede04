import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resumeAfter } from '../engine/testing.js';
import { validateFlowSteps } from '../engine/validate-flow.js';
import { openDatabase } from '../config.js';
import { createLeaseKeeper } from './leases.js';
import { getExecutionRow } from '../store/executions-repository.js';
import type { WorkerDeps } from './execute-run.js';
import { jobFromRow, type ExecutionRow } from './recovery.js';
import { clientToolsOf, startRun } from './run-builder.js';

const models = { resolve: () => ({ ok: true as const, provider: 'test', modelId: 'test' }), stream: () => (async function* () {})() };

test('a run rebuilt from its row (after a restart) has the job it was started with, client tool origins included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowrun-run-builder-'));
  const db = await openDatabase({ databaseFile: join(dir, 'flowrun.sqlite') });
  const leases = createLeaseKeeper({ db, ttlMs: 60_000, now: () => 1_000, start: 'test', onError: () => undefined });
  try {
    const rawSteps = [{ id: 'ask', name: 'Ask', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi {{name}}' } }];
    const flow = { id: null, name: 'Rebuilt', versionId: null, steps: validateFlowSteps(rawSteps, ['flow', 'steps'], { models }) };
    const clientTools = [
      {
        name: 'read_page',
        description: 'reads the page',
        parametersSchema: { type: 'object' },
        origin: 'webmcp',
        pageOrigin: 'https://shop.example',
      },
    ];
    const body = {
      inputs: { name: 'Ada' },
      messages: [{ role: 'user' as const, content: 'hello' }],
      clientTools,
      options: { modelOverride: 'gpt-4o' },
    };
    const started = await startRun(
      { db, clock: { now: () => 1_000 }, leases },
      {
        executionId: 'exec_1',
        scope: { tenantId: 't', mode: 'test' },
        flow,
        rawSteps,
        record: { id: null, name: 'Rebuilt', type: 'default', metadata: {}, created: false },
        inputs: body.inputs,
        secrets: { key: 'secret-value' },
        messages: body.messages,
        options: { modelOverride: 'gpt-4o' },
        source: 'api',
        tools: {},
        clientTools: clientToolsOf(clientTools),
        storedInput: body,
        dialect: 'runtype',
      },
    );
    const row = (await getExecutionRow(db, 'exec_1')) as ExecutionRow;
    const deps = { db, models, clock: { now: () => 2_000 } } as unknown as WorkerDeps;
    const resume = resumeAfter();
    const rebuilt = await jobFromRow(deps, row, resume, { key: 'secret-value' });
    const comparable = (job: typeof started) =>
      JSON.parse(
        JSON.stringify({
          ...job.request,
          source: undefined,
          startedAt: undefined,
          resume: undefined,
          kind: job.request.kind ?? 'flow',
          flow: { ...job.request.flow, steps: job.request.flow.steps.map((step) => step.id) },
        }),
      );
    assert.deepEqual(comparable(rebuilt), comparable(started));
    assert.deepEqual(rebuilt.request.clientTools[0]!.config, { origin: 'webmcp', pageOrigin: 'https://shop.example' });
  } finally {
    leases.stop();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
