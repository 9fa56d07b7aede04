import { Liquid } from 'liquidjs';
import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { parsePath } from '../template.js';
import { savePdf } from './asset-output.js';

/**
 * Liquid with no file system (`include`/`render` reach only the step's own `partials`) and with liquidjs's
 * DoS limits: templates are user input, and nested ranges or doubling partials otherwise hold the event loop
 * for seconds. Rendering stops after `renderLimit` ms, templates longer than `parseLimit` characters are
 * refused, and ranges, joins and concatenations may allocate at most `memoryLimit` units.
 */
export const liquidLimits = { parseLimit: 1_000_000, renderLimit: 30, memoryLimit: 1_000_000 } as const;

/** At most this many unresolved names are looked for (each costs a render). */
const maxUnresolved = 10;

function createLiquid(partials: Record<string, string>, mode: 'lenient' | 'strict' | 'strict-unlimited'): Liquid {
  return new Liquid({
    strictFilters: true,
    ownPropertyOnly: true,
    relativeReference: false,
    templates: partials,
    ...liquidLimits,
    // Strict: an output of a name that is not set throws (a name only tested by `if`/`unless` does not).
    ...(mode === 'lenient' ? {} : { strictVariables: true, lenientIf: true }),
    // The search for missing names runs only after a limited render succeeded, over the same scope with missing
    // names set to null (no more work; memoryLimit still holds): a wall-clock limit there would lose warnings on a
    // busy machine.
    ...(mode === 'strict-unlimited' ? { renderLimit: Infinity } : {}),
  });
}

const isUndefinedVariable = (error: unknown): boolean => (error as Error).name === 'UndefinedVariableError';

export const runTemplate: StepRunner<StepOf<'template'>> = async (step, context) => {
  const rendered = await renderText(step, context);
  if (step.config.outputFormat !== 'pdf') return rendered;
  // outputFormat pdf: the text (markdown, or HTML when it starts with a tag) becomes a PDF asset.
  const text = rendered.result as string;
  const result = await savePdf(context, {
    source: { kind: /^\s*</.test(text) ? 'html' : 'markdown', text },
    pdfOptions: step.config.pdfOptions,
    fileName: step.config.filename ?? 'template.pdf',
    visibility: step.config.visibility,
  });
  return { result, unresolved: rendered.unresolved };
};

const renderText: StepRunner<StepOf<'template'>> = async (step, context) => {
  const scope = { ...context.scope(), ...(step.config.inputs ?? {}) };
  const partials = step.config.partials ?? {};
  try {
    // One render when every name is set (the usual case): strict and limited, its text is the lenient one's.
    try {
      const text = await createLiquid(partials, 'strict').parseAndRender(step.config.template, scope);
      return { result: text, unresolved: [] };
    } catch (error) {
      if (!isUndefinedVariable(error)) throw error;
    }
    const text = await createLiquid(partials, 'lenient').parseAndRender(step.config.template, scope);
    const unresolved = await unresolvedNames(step.config.template, scope, partials);
    context.checkVariables(unresolved);
    return { result: text, unresolved };
  } catch (error) {
    if (FlowrunError.isInstance(error)) throw error;
    throw new FlowrunError('TEMPLATE_ERROR', `template step '${step.name}': ${(error as Error).message}`);
  }
};

/**
 * The names the template outputs but the scope lacks, found by rendering strictly: each undefined name is set to
 * null and the template rendered again. Names inside a `{% for %}` over a list, set by `{% assign %}`, guarded by
 * `{% if %}` or given a `default` are not reported: they render as intended.
 */
async function unresolvedNames(template: string, scope: Record<string, unknown>, partials: Record<string, string>): Promise<string[]> {
  if (!template.includes('{{')) return [];
  const liquid = createLiquid(partials, 'strict-unlimited');
  const found: string[] = [];
  let current = scope;
  while (found.length < maxUnresolved) {
    try {
      await liquid.parseAndRender(template, current);
      return found;
    } catch (error) {
      const name = isUndefinedVariable(error) ? /undefined variable: ([^,]+)/.exec((error as Error).message)?.[1] : undefined;
      if (!name || found.includes(name)) return found;
      found.push(name);
      current = withNull(current, parsePath(name));
    }
  }
  return found;
}

/** A copy of `scope` with the path set to null (copying the objects and lists along it). */
function withNull(scope: Record<string, unknown>, segments: string[]): Record<string, unknown> {
  const [first, ...rest] = segments;
  if (first === undefined) return scope;
  const inner = scope[first];
  const child = inner !== null && typeof inner === 'object' ? (inner as Record<string, unknown>) : {};
  const value = rest.length === 0 ? null : withNull(child, rest);
  if (Array.isArray(scope)) return Object.assign([...scope], { [first]: value }) as unknown as Record<string, unknown>;
  return { ...scope, [first]: value };
}
