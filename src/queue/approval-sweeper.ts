import type { Logger } from 'pino';
import { FlowrunError } from '../protocol/errors.js';
import { decidedButPaused, decideApproval, expiredApprovals } from '../store/approvals-repository.js';
import { getExecutionRow } from '../store/executions-repository.js';
import { fromJson } from '../store/json-column.js';
import type { PauseSnapshot } from '../engine/run-flow.js';
import { continuePausedRun } from './continue-run.js';
import type { WorkerDeps } from './execute-run.js';
import type { ExecutionRow } from './recovery.js';
import type { Scheduler } from './scheduler.js';

/**
 * Approvals not decided before their timeout resolve as `timeout` by themselves: this runs every `intervalMs`,
 * marks them, and continues their runs (the events go to the store; clients follow them with GET …/events).
 * It also continues a paused run whose approvals were all decided more than `strandedAfterMs` ago but which
 * nobody continued: the server that recorded the last decision died before it could.
 */
export function startApprovalSweeper(
  deps: WorkerDeps,
  scheduler: Scheduler,
  logger: Logger,
  intervalMs: number,
  strandedAfterMs = 5_000,
): () => void {
  let running = false;
  const continueDecided = async (executionId: string): Promise<void> => {
    const row = await getExecutionRow(deps.db, executionId);
    if (!row || row.status !== 'paused' || !row.pause_state) return;
    try {
      const job = await continuePausedRun(deps, row as ExecutionRow, fromJson<PauseSnapshot>(row.pause_state)!, {
        toolOutputs: {},
        messages: [],
      });
      if (job)
        void scheduler
          .submit(job)
          .catch((error: unknown) => logger.error({ err: error, executionId: row.id }, 'run continued after its approvals failed'));
    } catch (error) {
      // A run that also waits for client tool outputs stays paused until the client answers; another process may
      // have continued it first.
      if (!(FlowrunError.isInstance(error) && ['VALIDATION_ERROR', 'NOT_PAUSED'].includes(error.code))) throw error;
    }
  };
  const sweep = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const now = deps.clock.now();
      for (const approval of await expiredApprovals(deps.db, now)) {
        if (
          !(await decideApproval(deps.db, approval.id, 'timeout', 'system', 'no decision before the timeout', new Date(now).toISOString()))
        )
          continue;
        await continueDecided(approval.executionId);
      }
      for (const executionId of await decidedButPaused(deps.db, new Date(now - strandedAfterMs).toISOString())) {
        await continueDecided(executionId);
      }
    } catch (error) {
      logger.error({ err: error }, 'approval sweep failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
