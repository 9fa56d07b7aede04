import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepContext, StepRunner } from '../run-context.js';
import { lookupPath, renderValue } from '../template.js';
import { PauseRun } from '../tool-loop-state.js';
import { formatPath } from '../../protocol/zod-details.js';
import type { StepCheckContext } from './step-check.js';

/** The array a loop goes over: `items` (JSON, or one `{{variable}}`), else the `sourceVariable`. */
function itemsOf(step: StepOf<'loop'>, context: StepContext): { items: unknown; unresolved: string[] } {
  const unresolved: string[] = [];
  const { items, sourceVariable } = step.config;
  if (items !== undefined) return { items: renderValue(items, context.scope(), unresolved), unresolved };
  const value = lookupPath(context.scope(), sourceVariable!);
  return { items: value, unresolved: value === undefined ? [sourceVariable!] : [] };
}

/**
 * `loop`: runs its steps once per item of an array, the item and its index bound as variables, at most
 * `maxIterations` items (the rest are left out with a warning). Items run one after another: the steps of a pass
 * share the run's variables and checkpoints, so `concurrency` above 1 is accepted and said to run sequentially.
 * The result is each pass's output (its last step's that produced one), in item order.
 */
export const runLoop: StepRunner<StepOf<'loop'>> = async (step, context) => {
  const { items, unresolved } = itemsOf(step, context);
  context.checkVariables(unresolved);
  const where = step.config.items !== undefined ? 'items' : step.config.sourceVariable;
  if (items !== undefined && items !== null && !Array.isArray(items))
    throw new FlowrunError('INVALID_TYPE', `loop step '${step.name}': ${where} is ${typeof items}, not an array`);
  const all = (items ?? []) as unknown[];
  const { maxIterations, itemVariable, indexVariable, concurrency } = step.config;
  const { events } = context.deps;
  if (all.length > maxIterations)
    events.emit({
      type: 'warning',
      code: 'LOOP_ITEMS_CAPPED',
      message: `loop step '${step.name}': ${all.length} items, the steps ran for the first ${maxIterations} (maxIterations)`,
      field: 'maxIterations',
      ...context.ref,
    });
  if (concurrency > 1)
    events.emit({
      type: 'warning',
      code: 'LOOP_SEQUENTIAL',
      message: `loop step '${step.name}': concurrency ${concurrency} is accepted, but items run one after another`,
      field: 'concurrency',
      ...context.ref,
    });
  const results: unknown[] = [];
  for (const [index, item] of all.slice(0, maxIterations).entries()) {
    try {
      results.push(await context.runIteration(step.config.steps, { [itemVariable]: item, [indexVariable]: index }));
    } catch (caught) {
      if (!PauseRun.isInstance(caught)) throw caught;
      throw new FlowrunError('STEP_FAILED', `loop step '${step.name}': a loop's steps cannot pause (client tools, approvals)`);
    }
  }
  return { result: results, unresolved };
};

/** An `approval` or a `wait-until` among a loop's own steps is refused before the run: a pass cannot pause and resume. */
export function checkLoop(config: { steps: unknown[] }, context: StepCheckContext): void {
  config.steps.forEach((entry, index) => {
    const type = (entry as { type?: unknown } | null)?.type;
    if (type !== 'approval' && type !== 'wait-until') return;
    context.details.push({
      code: 'INVALID_VALUE',
      path: formatPath([...context.configPath, 'steps', index, 'type']),
      message: `${context.label}: a loop's steps cannot pause (for an approval or a wait-until)`,
    });
  });
}
