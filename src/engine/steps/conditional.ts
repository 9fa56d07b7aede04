import { FlowrunError } from '../../protocol/errors.js';
import type { Step } from '../../protocol/flow.js';
import { evaluateExpression, parseExpression } from '../expression.js';
import type { StepRunner } from '../run-context.js';
import { lookupPath } from '../template.js';

export function evaluateCondition(source: string, scope: Record<string, unknown>): boolean {
  try {
    return Boolean(evaluateExpression(parseExpression(source), scope, (path) => lookupPath(scope, path)));
  } catch (error) {
    throw new FlowrunError('EXPRESSION_ERROR', `cannot evaluate '${source}': ${(error as Error).message}`);
  }
}

export const runConditional: StepRunner<Extract<Step, { type: 'conditional' }>> = async (step, context) => {
  const passed = evaluateCondition(step.config.condition, context.scope());
  const branch = passed ? step.config.trueSteps : step.config.falseSteps;
  await context.runSteps(branch);
  return {
    result: { condition: step.config.condition, result: passed, branch: passed ? 'true' : 'false', stepsRun: branch.length },
    unresolved: [],
  };
};
