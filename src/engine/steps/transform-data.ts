import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';

/** `transform-data`: JavaScript in the tool sandbox over the flow's variables (as `input.x` and as bare names); it `return`s the output. */
export const runTransformData: StepRunner<StepOf<'transform-data'>> = async (step, context) => {
  const { secrets: _secrets, ...variables } = context.scope();
  const outcome = await context.deps.tools.runScript(step.config.script, JSON.parse(JSON.stringify(variables)) as Record<string, unknown>, {
    timeoutMs: step.config.timeout ?? 5_000,
    signal: context.signal,
    scope: context.request.scope,
  });
  if (!outcome.ok) throw new FlowrunError(outcome.error.code, `transform-data step '${step.name}': ${outcome.error.message}`);
  return { result: outcome.result, unresolved: [] };
};
