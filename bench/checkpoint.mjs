// npm run bench (part): the cost of a step checkpoint on SQLite: the step's queued events and its checkpoint
// (result, usage, variables) committed in one transaction, as the runner does before the next step starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openSqlite } from '../dist/store/database.js';
import { appendEventsWith, insertExecution, saveStepCheckpoint } from '../dist/store/executions-repository.js';
import { createEventWriter } from '../dist/queue/event-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'flowrun-checkpoint-'));
const db = openSqlite(join(dir, 'bench.sqlite'));
await migrate(db);
const writer = createEventWriter(async () => {}, { intervalMs: 1_000_000, maxBatch: 1_000_000, onError: () => {} });
const scope = { tenantId: 'bench', mode: 'test' };
const variables = { a: 'x'.repeat(200), b: { nested: [1, 2, 3] }, c: 'y'.repeat(800) };

async function measure(count, eventsPerStep) {
  const samples = [];
  for (let run = 0; run < count / 5; run++) {
    const id = `exec_${eventsPerStep}_${run}`;
    await insertExecution(db, {
      id,
      scope,
      flowId: null,
      flowVersionId: null,
      flowName: 'bench',
      recordId: null,
      dialect: 'runtype',
      input: {},
      totalSteps: 5,
      createdAt: new Date().toISOString(),
    });
    let seq = 0;
    for (let step = 1; step <= 5; step++) {
      for (let index = 0; index < eventsPerStep; index++) {
        seq++;
        writer.enqueue({
          type: 'step_delta',
          executionId: id,
          seq,
          at: new Date().toISOString(),
          partId: 'p',
          text: 'token ',
          chunkIndex: index,
          stepId: `s${step}`,
          stepName: 's',
          stepType: 'prompt',
          index: step,
          totalSteps: 5,
        });
      }
      const checkpoint = {
        stepId: `s${step}`,
        stepIndex: step,
        stepType: 'prompt',
        status: 'completed',
        result: 'answer '.repeat(40),
        error: null,
        usage: { inputTokens: 12, outputTokens: 5, reasoningTokens: 0, costUsd: 0.00001 },
        startedAt: Date.now(),
        durationMs: 3,
        variables,
      };
      const started = process.hrtime.bigint();
      await writer.flushWith((pending) => appendEventsWith(db, pending, (trx) => saveStepCheckpoint(trx, id, checkpoint)));
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.floor(q * (samples.length - 1))];
  return { p50: at(0.5), p99: at(0.99), perSecond: Math.round(1000 / (samples.reduce((a, b) => a + b, 0) / samples.length)) };
}

await measure(500, 5); // warm-up
for (const eventsPerStep of [3, 20, 100]) {
  const result = await measure(3000, eventsPerStep);
  console.log(
    `checkpoint with ${String(eventsPerStep).padStart(3)} events per step: p50 ${result.p50.toFixed(3)} ms  p99 ${result.p99.toFixed(3)} ms  (${result.perSecond} checkpoints/s from one caller)`,
  );
}
await db.destroy();
rmSync(dir, { recursive: true, force: true });
