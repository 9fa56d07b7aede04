import { approvalsOfExecution, decideApproval } from '../store/approvals-repository.js';
import { finishExecution } from '../store/executions-repository.js';
import { fromJson } from '../store/json-column.js';
import { emptyUsage, type Usage } from '../protocol/usage.js';
import type { WorkerDeps } from './execute-run.js';
import { recorderForRow } from './recorder-for-row.js';
import type { ExecutionRow } from './recovery.js';

/** Cancels a paused run: its pending approvals are closed, a final error event says so, and it is marked cancelled. */
export async function cancelPausedRun(deps: WorkerDeps, row: ExecutionRow): Promise<void> {
  const at = deps.clock.now();
  const now = new Date(at).toISOString();
  // Its wall time from its start to the cancel, the pause included (as for every run that ends).
  const durationMs = row.started_at ? Math.max(0, at - Date.parse(row.started_at)) : (row.duration_ms ?? 0);
  for (const approval of await approvalsOfExecution(deps.db, row.id)) {
    if (approval.status === 'pending') await decideApproval(deps.db, approval.id, 'cancelled', 'user', 'the run was cancelled', now);
  }
  const usage = fromJson<Usage>(row.usage) ?? emptyUsage();
  const events = await recorderForRow(deps, row);
  events.emit({
    type: 'flow_error',
    error: { code: 'CANCELLED', message: 'the run was cancelled while paused' },
    durationMs,
    usage,
    cancelled: true,
  });
  await deps.writer.flush();
  deps.pausedSecrets.delete(row.id);
  await finishExecution(deps.db, row.id, {
    status: 'cancelled',
    output: null,
    finalOutput: null,
    usage,
    error: { code: 'CANCELLED', message: 'the run was cancelled while paused' },
    completedAt: now,
    durationMs,
  });
}
