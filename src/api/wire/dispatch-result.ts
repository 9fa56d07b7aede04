import type { RunOutcome, RunWarning } from '../../engine/run-flow.js';
import { totalTokens } from '../../protocol/usage.js';
import type { PreparedRun } from '../prepare-dispatch.js';

/**
 * The body of a non-streaming dispatch (`streamResponse: false`), documented in docs/api.md. Carries both
 * Runtype's camelCase and the Travrse SDK's `execution_id`, so either client finds its field.
 */
export function dispatchResult(run: PreparedRun, outcome: RunOutcome): Record<string, unknown> {
  const { request } = run.job;
  const warnings = outcome.warnings.map(warningView);
  return {
    success: outcome.status === 'completed',
    status: outcome.status,
    executionId: run.executionId,
    execution_id: run.executionId,
    flowId: run.flow.id,
    flowVersionId: run.flow.versionId ?? null,
    flowName: run.flow.name,
    recordId: request.record.id,
    finalOutput: outcome.finalOutput,
    output: outcome.output,
    steps: [...outcome.steps]
      .sort((a, b) => a.stepIndex - b.stepIndex)
      .map((step) => ({
        id: step.stepId,
        type: step.stepType,
        index: step.stepIndex,
        status: step.status,
        result: step.result,
        error: step.error,
        durationMs: step.durationMs,
        completedAt: new Date(step.startedAt + step.durationMs).toISOString(),
        usage: step.usage,
        warnings: warnings.filter((warning) => warning.stepIndex === step.stepIndex),
      })),
    usage: { ...outcome.usage, totalTokens: totalTokens(outcome.usage) },
    durationMs: outcome.durationMs,
    startedAt: new Date(request.startedAt).toISOString(),
    completedAt: new Date(request.startedAt + outcome.durationMs).toISOString(),
    error: outcome.error,
    warnings,
    ...(outcome.pause ? pauseFields(outcome.pause, run.executionId) : {}),
  };
}

/** A warning as the result lists it: what it says, and the step it belongs to by id, name and position. */
function warningView(warning: RunWarning): Record<string, unknown> & { stepIndex?: number } {
  const { index, totalSteps: _totalSteps, stepType: _stepType, iteration: _iteration, ...rest } = warning;
  return { ...rest, ...(index !== undefined ? { stepIndex: index } : {}) };
}

/**
 * What a paused run waits for: the client tools it called (`pendingToolCalls`, and the Travrse SDK's
 * `paused_reason` of type `local_action`), or the decisions it needs (`pendingApprovals`, and a `paused_reason`
 * of type `approval` naming the first one): a non-streaming client learns the ids it must answer with.
 */
function pauseFields(pause: NonNullable<RunOutcome['pause']>, executionId: string): Record<string, unknown> {
  // A wait-until's wake-up is no approval a client could give: it is said as a `wait` reason instead.
  const wait = pause.approvals.find((entry) => entry.kind === 'wait');
  const approvals = pause.approvals.filter((entry) => entry.kind !== 'wait');
  const approval = approvals[0];
  return {
    pendingToolCalls: pause.pending,
    pendingApprovals: approvals.map(({ onDenied: _onDenied, ...request }) => request),
    paused_reason: wait
      ? { type: 'wait', wake_at: wait.parameters?.wakeAt, step_id: pause.stepId, execution_id: executionId }
      : approval
        ? { type: 'approval', approval_id: approval.approvalId, tool_name: approval.toolName, execution_id: executionId }
        : {
            type: 'local_action',
            tool_name: pause.pending[0]?.toolName,
            parameters: pause.pending[0]?.parameters,
            execution_id: executionId,
          },
  };
}
