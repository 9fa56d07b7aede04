import type { Logger } from 'pino';
import { FlowrunError } from '../protocol/errors.js';
import { decidedButPaused, decideApproval, expiredApprovals } from '../store/approvals-repository.js';
import { getExecutionRow } from '../store/executions-repository.js';
import { fromJson } from '../store/json-column.js';
import type { PauseSnapshot, RunOutcome } from '../engine/run-flow.js';
import { continuePausedRun } from './continue-run.js';
import { scopeOfKey } from './limits.js';
import type { WorkerDeps } from './execute-run.js';
import type { ExecutionRow } from './recovery.js';
import type { Scheduler } from './scheduler.js';

/**
 * Continues a paused run whose approvals are all decided, here, and resolves with its outcome; null when it
 * still waits (for client tool outputs) or another process continued it first.
 */
export async function continueDecidedRun(deps: WorkerDeps, scheduler: Scheduler, executionId: string): Promise<RunOutcome | null> {
  const row = await getExecutionRow(deps.db, executionId);
  if (!row || row.status !== 'paused' || !row.pause_state) return null;
  let job;
  try {
    // Admitted under its key's and tenant's runs in flight like a client's continuation: when they are full the
    // run stays paused with its approvals decided, and a later sweep continues it.
    const admission = await scopeOfKey(deps.db, deps.limits, row);
    const pause = fromJson<PauseSnapshot>(row.pause_state)!;
    job = await continuePausedRun(deps, row as ExecutionRow, pause, { toolOutputs: {}, messages: [] }, admission);
  } catch (error) {
    if (FlowrunError.isInstance(error) && ['VALIDATION_ERROR', 'NOT_PAUSED', 'RATE_LIMITED'].includes(error.code)) return null;
    throw error;
  }
  return job ? scheduler.submit(job) : null;
}

/**
 * Approvals not decided before their timeout resolve as `timeout` by themselves: this runs every `intervalMs`,
 * marks them, and continues their runs (the events go to the store; clients follow them with GET …/events).
 * It also continues a paused run whose approvals were all decided more than `strandedAfterMs` ago but which
 * nobody continued: the server that recorded the last decision died before it could. With a queue, timeouts
 * are delayed jobs instead (`timeouts: false`) and only the stranded runs are looked for here.
 */
export function startApprovalSweeper(
  deps: WorkerDeps,
  scheduler: Scheduler,
  logger: Logger,
  intervalMs: number,
  options: { timeouts: boolean; strandedAfterMs?: number } = { timeouts: true },
): () => void {
  let running = false;
  const continueDecided = async (executionId: string): Promise<void> => {
    void continueDecidedRun(deps, scheduler, executionId).catch((error: unknown) =>
      logger.error({ err: error, executionId }, 'run continued after its approvals failed'),
    );
  };
  const sweep = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const now = deps.clock.now();
      for (const approval of options.timeouts ? await expiredApprovals(deps.db, now) : []) {
        if (
          !(await decideApproval(deps.db, approval.id, 'timeout', 'system', 'no decision before the timeout', new Date(now).toISOString()))
        )
          continue;
        await continueDecided(approval.executionId);
      }
      for (const executionId of await decidedButPaused(deps.db, new Date(now - (options.strandedAfterMs ?? 5_000)).toISOString())) {
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
