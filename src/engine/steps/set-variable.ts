import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate, renderValue } from '../template.js';

export const runSetVariable: StepRunner<StepOf<'set-variable'>> = async (step, context) => {
  const scope = context.scope();
  if (step.config.valueTemplate !== undefined) {
    const rendered = renderTemplate(step.config.valueTemplate, scope);
    return { result: rendered.text, unresolved: rendered.unresolved };
  }
  const unresolved: string[] = [];
  const result = renderValue(step.config.value ?? null, scope, unresolved);
  return { result, unresolved };
};
