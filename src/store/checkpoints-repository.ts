import type { StepCheckpoint } from '../engine/ports.js';
import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { fromJson, toJson } from './json-column.js';

/** Commits a step's result with the run's variables after it, in one statement. */
export async function saveStepCheckpoint(
  db: Database | Transaction<DatabaseSchema>,
  executionId: string,
  checkpoint: StepCheckpoint,
): Promise<void> {
  await db
    .insertInto('execution_steps')
    .values({
      execution_id: executionId,
      step_index: checkpoint.stepIndex,
      step_id: checkpoint.stepId,
      step_type: checkpoint.stepType,
      status: checkpoint.status,
      result: toJson(checkpoint.result),
      error: checkpoint.error ? toJson(checkpoint.error) : null,
      usage: checkpoint.usage ? toJson(checkpoint.usage) : null,
      variables: toJson(checkpoint.variables),
      tool_calls: checkpoint.toolCalls?.length ? toJson(checkpoint.toolCalls) : null,
      responses: checkpoint.responses?.length ? toJson(checkpoint.responses) : null,
      started_at: new Date(checkpoint.startedAt).toISOString(),
      duration_ms: checkpoint.durationMs,
    })
    .onConflict((conflict) => conflict.columns(['execution_id', 'step_index']).doNothing())
    .execute();
}

/** The last checkpoint of each step of a run (what a resume needs to know about completed steps). */
export async function listStepCheckpoints(db: Database, executionId: string) {
  return db.selectFrom('execution_steps').selectAll().where('execution_id', '=', executionId).orderBy('step_index').execute();
}

/** Each step's model calls and tool calls, by step id: what a run's PromptShuttle document is built from. */
export async function getStepCalls(
  db: Database,
  executionId: string,
): Promise<Array<{ stepId: string; responses: StepCheckpoint['responses']; toolCalls: StepCheckpoint['toolCalls'] }>> {
  const rows = await db
    .selectFrom('execution_steps')
    .select(['step_id', 'responses', 'tool_calls'])
    .where('execution_id', '=', executionId)
    .orderBy('step_index')
    .execute();
  return rows.map((row) => ({
    stepId: row.step_id,
    responses: fromJson<StepCheckpoint['responses']>(row.responses) ?? [],
    toolCalls: fromJson<StepCheckpoint['toolCalls']>(row.tool_calls) ?? [],
  }));
}

export async function saveLoopJournal(
  db: Database | Transaction<DatabaseSchema>,
  executionId: string,
  stepId: string,
  state: unknown,
  now: string,
): Promise<void> {
  await db
    .insertInto('loop_journal')
    .values({ execution_id: executionId, step_id: stepId, state: toJson(state), updated_at: now })
    .onConflict((conflict) => conflict.columns(['execution_id', 'step_id']).doUpdateSet({ state: toJson(state), updated_at: now }))
    .execute();
}

export async function getLoopJournal(db: Database, executionId: string): Promise<Array<{ stepId: string; state: unknown }>> {
  const rows = await db.selectFrom('loop_journal').select(['step_id', 'state']).where('execution_id', '=', executionId).execute();
  return rows.map((row) => ({ stepId: row.step_id, state: fromJson(row.state) }));
}
