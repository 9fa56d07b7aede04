import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate, renderValue } from '../template.js';
import { PauseRun } from '../tool-loop-state.js';

/**
 * `approval`: the run pauses until a person decides (POST /v1/dispatch/approve) or the timeout passes. Approved
 * → the step's output is the decision; denied or timed out → the step fails, or continues with the decision
 * as its output when `onDenied` is `continue`.
 */
export const runApproval: StepRunner<StepOf<'approval'>> = async (step, context) => {
  const resume = context.resume;
  const pending = resume?.approvals?.find((approval) => approval.kind === 'step');
  const decided = pending ? resume?.decisions?.[pending.approvalId] : undefined;
  // Rendered before the pause and again after it (the scope is the same): the completed step reports what was missing.
  const scope = context.scope();
  const unresolved: string[] = [];
  const message = renderTemplate(step.config.message, scope);
  const data = step.config.data === undefined ? undefined : renderValue(step.config.data, scope, unresolved);
  for (const name of message.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
  if (pending && decided) {
    const result = {
      approvalId: pending.approvalId,
      decision: decided.decision,
      reason: decided.reason ?? null,
      resolvedBy: decided.resolvedBy,
    };
    if (decided.decision !== 'approved' && step.config.onDenied === 'fail') {
      throw new FlowrunError(
        decided.decision === 'timeout' ? 'APPROVAL_TIMEOUT' : 'APPROVAL_DENIED',
        `approval step '${step.name}' was ${decided.decision === 'timeout' ? 'not decided in time' : 'denied'}${decided.reason ? `: ${decided.reason}` : ''}`,
      );
    }
    return { result, unresolved };
  }
  context.checkVariables(unresolved);
  throw new PauseRun(
    step.id,
    null,
    [],
    [
      {
        approvalId: context.deps.ids.next('appr'),
        kind: 'step',
        description: message.text,
        ...(data !== undefined ? { parameters: { data } as Record<string, unknown> } : {}),
        ...(step.config.timeout ? { timeoutMs: step.config.timeout } : {}),
        onDenied: step.config.onDenied === 'continue' ? 'continue' : 'fail',
      },
    ],
  );
};
