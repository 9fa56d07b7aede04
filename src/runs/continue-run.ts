import type { ResumeState } from '../engine/run-context.js';
import type { PauseSnapshot } from '../engine/run-flow.js';
import { FlowrunError } from '../protocol/errors.js';
import type { ChatMessage } from '../protocol/flow.js';
import type { TenantScope } from '../protocol/tenant.js';
import { approvalsOfExecution } from '../store/approvals-repository.js';
import { claimPaused, getExecutionRow } from '../store/executions-repository.js';
import { fromJson } from '../store/json-column.js';
import { inSharedTransaction } from '../store/commit-batcher.js';
import type { RunJob, WorkerDeps } from './execute-run.js';
import { admissionKeys, admitInFlight } from './limits.js';
import { jobFromRow, type ExecutionRow } from './recovery.js';

export interface Answers {
  toolOutputs: Record<string, unknown>;
  messages: ChatMessage[];
  secrets?: Record<string, string>;
}

/**
 * The paused execution a continuation targets: 404 unknown, 403 another tenant's (or mode's), 409 not paused.
 */
export async function pausedExecution(
  deps: Pick<WorkerDeps, 'db'>,
  scope: TenantScope,
  executionId: string,
): Promise<{ row: ExecutionRow; pause: PauseSnapshot }> {
  const row = await getExecutionRow(deps.db, executionId);
  if (!row) throw new FlowrunError('NOT_FOUND', `Execution ${executionId} not found`);
  if (row.tenant_id !== scope.tenantId || row.mode !== scope.mode)
    throw new FlowrunError('FORBIDDEN', `Execution ${executionId} belongs to another tenant or mode`);
  if (row.status !== 'paused' || !row.pause_state)
    throw new FlowrunError('NOT_PAUSED', `Execution ${executionId} is ${row.status}, not paused`);
  return { row: row as ExecutionRow, pause: fromJson<PauseSnapshot>(row.pause_state)! };
}

/** Client outputs keyed by tool-call id, or (legacy clients) by tool name; every pending call needs one. */
export function matchOutputs(pause: PauseSnapshot, outputs: Record<string, unknown>): Record<string, unknown> {
  const matched: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const call of pause.pending) {
    if (call.toolCallId in outputs) matched[call.toolCallId] = outputs[call.toolCallId];
    else if (call.toolName in outputs) matched[call.toolCallId] = outputs[call.toolName];
    else missing.push(`${call.toolName} (${call.toolCallId})`);
  }
  if (missing.length > 0) {
    throw new FlowrunError(
      'VALIDATION_ERROR',
      `toolOutputs is missing outputs for: ${missing.join(', ')}`,
      missing.map((name) => ({
        code: 'MISSING_REQUIRED_FIELD' as const,
        path: 'toolOutputs',
        message: `no output for pending tool call ${name}`,
      })),
    );
  }
  return matched;
}

/**
 * Builds the job that continues a paused run once everything it waits for is answered: client tool outputs
 * (given here) and approvals (decided in the store). Returns null while an approval is still pending. Claims
 * the run, so two continuations cannot both resume it (the loser gets 409), and admits it under `admission`'s
 * runs-in-flight caps (429 RATE_LIMITED when full; the run stays paused).
 */
export async function continuePausedRun(
  deps: WorkerDeps,
  row: ExecutionRow,
  pause: PauseSnapshot,
  answers: Answers,
  admission: TenantScope,
): Promise<RunJob | null> {
  const toolOutputs = pause.pending.length > 0 ? matchOutputs(pause, answers.toolOutputs) : {};
  const approvals = await approvalsOfExecution(deps.db, row.id);
  const relevant = approvals.filter((approval) => pause.approvals.some((entry) => entry.approvalId === approval.id));
  if (relevant.some((approval) => approval.status === 'pending')) return null;
  // A paused run holds no place among the runs in flight; continuing it takes one, under the same cap as a start
  // (429 leaves it paused, to be continued later), in the transaction that claims it.
  await inSharedTransaction(
    deps.db,
    async (trx) => {
      if (!row.parent_execution_id) await admitInFlight(trx, admission);
      if (!(await claimPaused(trx, row.id, deps.leases.lease())))
        throw new FlowrunError('NOT_PAUSED', `Execution ${row.id} is being continued already`);
    },
    [row.id, ...(row.parent_execution_id ? [] : admissionKeys(admission))],
  );
  const resume: ResumeState = {
    completedStepIds: pause.completedStepIds,
    variables: pause.variables,
    stepsRun: pause.stepIndex,
    pausedStepId: pause.stepId,
    loop: pause.loop,
    pending: pause.pending,
    toolOutputs,
    messages: answers.messages,
    usage: pause.usage,
    counters: pause.counters,
    finalOutput: pause.finalOutput,
    approvals: pause.approvals,
    decisions: Object.fromEntries(
      relevant.map((approval) => [
        approval.id,
        {
          decision:
            approval.status === 'approved'
              ? ('approved' as const)
              : approval.status === 'timeout'
                ? ('timeout' as const)
                : ('denied' as const),
          reason: approval.decisionReason ?? undefined,
          resolvedBy: approval.decidedBy === 'system' ? ('system' as const) : ('user' as const),
        },
      ]),
    ),
  };
  return jobFromRow(deps, row, resume, answers.secrets ?? deps.pausedSecrets.get(row.id) ?? deps.vault.open(row.secrets_sealed));
}
