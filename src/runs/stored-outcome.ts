import type { RunOutcome } from '../engine/run-flow.js';
import type { StepCheckpoint } from '../engine/ports.js';
import { emptyUsage, type Usage } from '../protocol/usage.js';
import { getBalance } from '../store/credits-repository.js';
import { listStepCheckpoints } from '../store/checkpoints-repository.js';
import { getExecutionRow, listRunWarnings, type ExecutionRow } from '../store/executions-repository.js';
import type { Database } from '../store/database.js';
import { fromJson } from '../store/json-column.js';

/**
 * Waits for a run another process holds to end (or pause), then answers with its end as stored: what a caller
 * whose process lost the run, or whose queue lost its job, is told.
 */
export async function waitForStoredOutcome(deps: { db: Database }, executionId: string, pollMs = 250): Promise<RunOutcome> {
  for (;;) {
    const row = await getExecutionRow(deps.db, executionId).catch(() => undefined);
    if (row && !['queued', 'running'].includes(row.status)) return outcomeOfRow(deps, row);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** What a run that has ended answers with, rebuilt from its row and checkpoints. */
export async function outcomeOfRow(deps: { db: Database }, row: ExecutionRow): Promise<RunOutcome> {
  const checkpoints = await listStepCheckpoints(deps.db, row.id);
  const steps: StepCheckpoint[] = checkpoints.map((checkpoint) => ({
    stepId: checkpoint.step_id,
    stepIndex: checkpoint.step_index,
    stepType: checkpoint.step_type,
    status: checkpoint.status as StepCheckpoint['status'],
    result: fromJson(checkpoint.result),
    error: fromJson(checkpoint.error),
    usage: fromJson(checkpoint.usage),
    startedAt: Date.parse(checkpoint.started_at),
    durationMs: Number(checkpoint.duration_ms),
    variables: fromJson(checkpoint.variables) ?? {},
  }));
  const count = (status: string) => steps.filter((step) => step.status === status).length;
  return {
    status: row.status as RunOutcome['status'],
    ...(row.pause_state ? { pause: fromJson(row.pause_state) ?? undefined } : {}),
    finalOutput: fromJson(row.final_output),
    output: fromJson<Record<string, unknown>>(row.output) ?? {},
    usage: fromJson<Usage>(row.usage) ?? emptyUsage(),
    error: fromJson(row.error),
    durationMs: Number(row.duration_ms ?? 0),
    successfulSteps: count('completed'),
    failedSteps: count('failed'),
    skippedSteps: count('skipped'),
    recordMetadata: {},
    steps,
    warnings: await listRunWarnings(deps.db, row.id),
    ...(row.credits_used !== null
      ? {
          credits: {
            used: Number(row.credits_used),
            left: await getBalance(deps.db, { tenantId: row.tenant_id, mode: row.mode as 'test' | 'live' }),
          },
        }
      : {}),
  };
}
