import type { DispatchRequest, ExecutionDetail, ExecutionStep, Step } from '@flowrun/client';
import { requestSteps, type EditorStep } from './flow-json.js';

/** What a run was asked to do, as `GET /v1/executions/{id}` answers it in `input`. */
export interface RunInput {
  flow?: { steps?: EditorStep[]; name?: string; id?: string };
  record?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

/** What a replay reads of a run: what it was asked, its flow's name, and what each step gave. */
export type ReplayedRun = Pick<ExecutionDetail, 'input' | 'flowName'> & {
  steps: Array<Pick<ExecutionStep, 'index' | 'status' | 'result'>>;
};

/** A replay's dispatch body: the steps it runs are the editor's. */
export interface ReplayRequest extends DispatchRequest {
  flow: { name: string; steps: Step[] };
}

/**
 * The dispatch body that replays a run from step `from` (1-based, in the flow's top-level order): the same record
 * and inputs, the steps from `from` on, and each earlier step's result as the variable it set, so the steps that
 * ran before are not run (nor paid for) again.
 */
export function replayRequest(execution: ReplayedRun, flowSteps: EditorStep[], from: number): ReplayRequest {
  const input = (execution.input ?? {}) as RunInput;
  const inputs: Record<string, unknown> = { ...(input.inputs ?? {}) };
  flowSteps.slice(0, from - 1).forEach((step, position) => {
    const done = execution.steps.find((candidate) => candidate.index === position + 1 && candidate.status === 'completed');
    const variable = (step.config?.outputVariable ?? step.config?.variableName) as string | undefined;
    if (done && variable) inputs[variable] = done.result;
  });
  return {
    record: (input.record ?? {}) as DispatchRequest['record'],
    flow: { name: `${execution.flowName} (replay from step ${from})`, steps: requestSteps(flowSteps.slice(from - 1)) },
    inputs,
  };
}
