import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import { formatPath } from '../../protocol/zod-details.js';
import type { StepCheckContext } from './step-check.js';
import { evaluateExpression, ExpressionSyntaxError, parseExpression } from '../expression.js';
import type { StepRunner } from '../run-context.js';
import { lookupPath } from '../template.js';

export function evaluateCondition(source: string, scope: Record<string, unknown>): boolean {
  try {
    return Boolean(evaluateExpression(parseExpression(source), scope, (path) => lookupPath(scope, path)));
  } catch (error) {
    throw new FlowrunError('EXPRESSION_ERROR', `cannot evaluate '${source}': ${(error as Error).message}`);
  }
}

export const runConditional: StepRunner<StepOf<'conditional'>> = async (step, context) => {
  const passed = evaluateCondition(step.config.condition, context.scope());
  const branch = passed ? step.config.trueSteps : step.config.falseSteps;
  await context.runSteps(branch);
  return {
    result: { condition: step.config.condition, result: passed, branch: passed ? 'true' : 'false', stepsRun: branch.length },
    unresolved: [],
  };
};

export function checkConditional(config: Record<string, unknown>, context: StepCheckContext): void {
  const { details, label, configPath } = context;
  const path = (key: string) => formatPath([...configPath, key]);
  const condition = config.condition;
  if (typeof condition !== 'string' || condition.trim() === '') {
    details.push({
      code: condition === undefined ? 'MISSING_REQUIRED_FIELD' : 'INVALID_TYPE',
      path: path('condition'),
      message: `${label} needs config.condition, a string expression`,
    });
    return;
  }
  if (condition.length > 500) {
    details.push({ code: 'INVALID_VALUE', path: path('condition'), message: `${label}: condition is longer than 500 characters` });
    return;
  }
  checkExpression(condition, path('condition'), label, context);
  for (const key of ['trueSteps', 'falseSteps']) {
    if (config[key] !== undefined && !Array.isArray(config[key])) {
      details.push({ code: 'INVALID_TYPE', path: path(key), message: `${label}: ${key} must be an array of steps or step ids` });
    }
  }
}

/** Pushes an INVALID_EXPRESSION detail when `source` does not parse. */
export function checkExpression(source: string, path: string, label: string, context: Pick<StepCheckContext, 'details'>): void {
  try {
    parseExpression(source);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    context.details.push({ code: 'INVALID_EXPRESSION', path, message: `${label}: invalid expression: ${error.message}` });
  }
}
