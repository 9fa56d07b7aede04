import { closestName, didYouMean } from '../protocol/closest-name.js';
import { FlowrunError } from '../protocol/errors.js';
import type { ExecutionEventBody } from '../protocol/execution-event.js';
import type { Step } from '../protocol/flow.js';
import { childStepsOf, producesOutput } from './steps/registry.js';
import { lookupPath, parsePath } from './template.js';

/** A `{{name}}` that rendered as nothing because nothing in reach has that name, with the name it is close to. */
export interface MissingVariable {
  variable: string;
  suggestion?: string;
}

/** How deep and how many names of the scope are offered as "did you mean" candidates. */
const reachDepth = 4;
const maxCandidates = 2_000;

/**
 * The placeholders of `unresolved` that name nothing in reach. Not reported: a name that is there but null (an
 * empty value, rendered as intended), a path under such a value, and the output of a step that may legitimately
 * not have run (`optionalOutputs`: a step with `when`, disabled, in a conditional branch, or allowed to fail).
 */
export function missingVariables(
  unresolved: string[],
  scope: Record<string, unknown>,
  optionalOutputs: ReadonlySet<string>,
): MissingVariable[] {
  const missing = unresolved.filter((name) => isMissing(scope, name) && !optionalOutputs.has(parsePath(name)[0] ?? name));
  if (missing.length === 0) return [];
  const candidates = namesInReach(scope);
  return missing.map((variable) => {
    const suggestion = closestName(variable, candidates);
    return suggestion ? { variable, suggestion } : { variable };
  });
}

/** The sentence a warning (or, in strict mode, the error) says about one missing variable. */
export function missingVariableMessage(step: Pick<Step, 'name'>, missing: MissingVariable): string {
  const hint = didYouMean(missing.suggestion);
  return `step '${step.name}' uses {{${missing.variable}}}, which is not set; it rendered as nothing${hint ? ` (${hint})` : ''}`;
}

/** The warning events of a step's missing variables. */
export function missingVariableWarnings(step: Pick<Step, 'name'>, missing: MissingVariable[]): ExecutionEventBody[] {
  return missing.map((entry) => ({
    type: 'warning',
    code: 'UNRESOLVED_VARIABLE',
    message: missingVariableMessage(step, entry),
    variable: entry.variable,
    ...(entry.suggestion ? { suggestion: entry.suggestion } : {}),
  }));
}

/** `options.strictVariables`: a missing variable is the step's error, raised before the step acts on its templates. */
export function missingVariablesError(step: Pick<Step, 'name'>, missing: MissingVariable[]): FlowrunError {
  const first = missing[0]!;
  const more =
    missing.length > 1
      ? ` (and ${missing.length - 1} more: ${missing
          .slice(1)
          .map((entry) => entry.variable)
          .join(', ')})`
      : '';
  return new FlowrunError(
    'UNRESOLVED_VARIABLE',
    `${missingVariableMessage(step, first)}${more}; options.strictVariables makes this an error`,
  );
}

/**
 * The output names of steps that may not run, or may fail and let the run go on: a later `{{name}}` of one of
 * them can be empty on purpose.
 */
export function optionalOutputsOf(steps: Step[], inBranch = false, found = new Set<string>()): Set<string> {
  for (const step of steps) {
    const optional = inBranch || !step.enabled || step.when !== undefined || step.onError === 'continue';
    if (optional && producesOutput(step)) found.add(step.outputVariable ?? step.id);
    for (const branch of childStepsOf(step)) optionalOutputsOf(branch, true, found);
  }
  return found;
}

/** True when a name along the path is absent; false when the path ends at a value, or passes through null. */
function isMissing(scope: Record<string, unknown>, path: string): boolean {
  const segments = parsePath(path);
  for (let length = 1; length <= segments.length; length++) {
    const value = lookupPath(scope, segments.slice(0, length).join('.'));
    if (value === null) return false;
    if (value === undefined) return true;
  }
  return false;
}

/** Every dotted name in reach (inputs, earlier outputs, `_record.metadata.…`, secret names), a few levels deep. */
function namesInReach(scope: Record<string, unknown>): string[] {
  const names: string[] = [];
  const visit = (value: unknown, prefix: string, depth: number) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || depth > reachDepth) return;
    for (const [key, inner] of Object.entries(value)) {
      if (names.length >= maxCandidates) return;
      const name = prefix ? `${prefix}.${key}` : key;
      names.push(name);
      visit(inner, name, depth + 1);
    }
  };
  visit(scope, '', 1);
  return names;
}
