import type { EventSink } from '../engine/ports.js';
import { createSecretRedactor } from '../engine/secret-redactor.js';
import { lastStoredSeq } from '../store/events-repository.js';
import type { ExecutionRow } from '../store/executions-repository.js';
import type { WorkerDeps } from './execute-run.js';
import { createExecutionRecorder } from './execution-recorder.js';

/**
 * The recorder of a stored run that no engine is executing here (a paused run cancelled, an interrupted one not
 * continued), for its last event: numbered after the last event stored, with no secrets to redact (the run's
 * are gone), fenced by `fence` when this process holds the run's lease.
 */
export async function recorderForRow(
  deps: Pick<WorkerDeps, 'db' | 'writer' | 'clock'>,
  row: Pick<ExecutionRow, 'id'>,
  fence?: string,
): Promise<EventSink & { lastSeq(): number }> {
  return createExecutionRecorder({
    executionId: row.id,
    lastSeq: await lastStoredSeq(deps.db, row.id),
    redactor: createSecretRedactor([]),
    writer: deps.writer,
    now: deps.clock.now,
    fence,
  });
}
