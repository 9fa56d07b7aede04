import type { RunOutcome } from '../../engine/run-flow.js';
import { totalTokens } from '../../protocol/usage.js';
import type { ExecutionView } from '../../store/executions-repository.js';

/**
 * The body of a non-streaming dispatch (`streamResponse: false`), documented in docs/api.md. Carries both
 * Runtype's camelCase and the Travrse SDK's `execution_id`, so either client finds its field.
 */
export function dispatchResult(execution: ExecutionView, outcome: RunOutcome): Record<string, unknown> {
  return {
    success: outcome.status === 'completed',
    status: outcome.status,
    executionId: execution.id,
    execution_id: execution.id,
    flowId: execution.flowId,
    flowVersionId: execution.flowVersionId,
    flowName: execution.flowName,
    recordId: execution.recordId,
    finalOutput: outcome.finalOutput,
    output: outcome.output,
    steps: (execution.steps ?? []).map((step) => ({
      id: step.stepId, type: step.stepType, index: step.index, status: step.status, result: step.result, error: step.error,
      durationMs: step.durationMs, usage: step.usage,
    })),
    usage: { ...outcome.usage, totalTokens: totalTokens(outcome.usage) },
    durationMs: outcome.durationMs,
    startedAt: execution.startedAt,
    completedAt: execution.completedAt,
    error: outcome.error,
  };
}
