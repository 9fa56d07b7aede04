import { Liquid } from 'liquidjs';
import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { lookupPath } from '../template.js';

/**
 * Liquid with no file system (`include`/`render` reach only the step's own `partials`) and with liquidjs's
 * DoS limits: templates are user input, and nested ranges or doubling partials otherwise hold the event loop
 * for seconds. Rendering stops after `renderLimit` ms, templates longer than `parseLimit` characters are
 * refused, and ranges, joins and concatenations may allocate at most `memoryLimit` units.
 */
export const liquidLimits = { parseLimit: 1_000_000, renderLimit: 30, memoryLimit: 1_000_000 } as const;

function createLiquid(partials: Record<string, string>): Liquid {
  return new Liquid({
    strictFilters: true,
    ownPropertyOnly: true,
    relativeReference: false,
    templates: partials,
    ...liquidLimits,
  });
}

export const runTemplate: StepRunner<StepOf<'template'>> = async (step, context) => {
  const scope = { ...context.scope(), ...(step.config.inputs ?? {}) };
  const unresolved = [...step.config.template.matchAll(/\{\{\s*([\w.[\]]+)/g)]
    .map((match) => match[1]!)
    .filter((path, index, all) => all.indexOf(path) === index && lookupPath(scope, path) == null);
  try {
    const liquid = createLiquid(step.config.partials ?? {});
    const text = await liquid.parseAndRender(step.config.template, scope);
    return { result: text, unresolved };
  } catch (error) {
    throw new FlowrunError('TEMPLATE_ERROR', `template step '${step.name}': ${(error as Error).message}`);
  }
};
