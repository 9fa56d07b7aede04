import { FlowrunError, type ErrorDetail } from '../protocol/errors.js';
import { knownStepTypes, RawStep, type ErrorHandling, type Step, type StepFallback, type StepType } from '../protocol/flow.js';
import { closestName, didYouMean } from '../protocol/closest-name.js';
import { formatPath, zodIssuesToDetails, type PathSegment } from '../protocol/zod-details.js';
import type { ModelGateway } from './ports.js';
import { checkExpression } from './steps/conditional.js';
import {
  branchKeys,
  implementedStepTypes,
  isImplementedStepType,
  stepRegistry,
  unknownConfigKeys,
  walkSteps,
  type StepCheckContext,
} from './steps/registry.js';

export const maxConditionalDepth = 10;
export const maxSteps = 500;
/**
 * Conditionals may name the same step from several branches, so the tree a flow expands to can be far larger
 * than the flow (exponentially, with branches that name each other's targets twice). Validation stops at this
 * many expanded steps instead of building the tree.
 */
export const maxExpandedSteps = 2_000;

export interface ValidateFlowOptions {
  models: Pick<ModelGateway, 'resolve'>;
  /** When set, every prompt step runs on this model, so step models need not resolve. */
  modelOverride?: string;
  /** The request carries a conversation (`messages`): a prompt step without a prompt of its own reads it. */
  conversation?: boolean;
  /** A saved flow may be a draft with no steps yet; a flow that runs may not. */
  allowEmpty?: boolean;
}

/**
 * Checks a flow's raw steps before anything runs and returns them typed and ordered (by `order`, then array
 * position). Throws FlowrunError VALIDATION_ERROR listing every problem with its path.
 */
export function validateFlowSteps(rawSteps: unknown, basePath: PathSegment[], options: ValidateFlowOptions): Step[] {
  const details: ErrorDetail[] = [];
  if (!Array.isArray(rawSteps)) {
    throw new FlowrunError('VALIDATION_ERROR', 'Flow definition required', [
      { code: 'MISSING_REQUIRED_FIELD', path: formatPath(basePath), message: `${formatPath(basePath)} must be an array of steps` },
    ]);
  }
  if (rawSteps.length === 0 && !options.allowEmpty) {
    throw new FlowrunError('VALIDATION_ERROR', 'The flow has no steps', [
      {
        code: 'MISSING_REQUIRED_FIELD',
        path: formatPath(basePath),
        message: `${formatPath(basePath)} is empty: a flow needs at least one step to run`,
        suggestion: `add a step, e.g. {"type": "prompt", "config": {"model": "flowrun/echo", "userPrompt": "Hello"}}`,
      },
    ]);
  }
  if (rawSteps.length > maxSteps) {
    throw new FlowrunError('VALIDATION_ERROR', `A flow may have at most ${maxSteps} steps`, [
      { code: 'INVALID_VALUE', path: formatPath(basePath), message: `${rawSteps.length} steps given; the limit is ${maxSteps}` },
    ]);
  }
  const byId = new Map<string, { raw: unknown; path: PathSegment[] }>();
  rawSteps.forEach((raw, index) => {
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id === 'string') {
      if (byId.has(id))
        details.push({ code: 'INVALID_VALUE', path: formatPath([...basePath, index, 'id']), message: `duplicate step id '${id}'` });
      else byId.set(id, { raw, path: [...basePath, index] });
    }
  });
  const referenced = collectReferencedIds(rawSteps);
  const cycle = findReferenceCycle(rawSteps);
  if (cycle) {
    throw new FlowrunError('VALIDATION_ERROR', `Cyclic conditional: ${cycle.join(' -> ')}`, [
      {
        code: 'CYCLIC_STEP_REFERENCE',
        path: formatPath(basePath),
        message: `conditional steps refer to each other in a cycle: ${cycle.join(' -> ')}`,
      },
    ]);
  }
  const context: Context = { details, byId, options, seenIds: new Set(), counter: 0 };
  const steps: Step[] = [];
  const order = rawSteps
    .map((raw, index) => ({ raw, index }))
    .filter(({ raw }) => !(typeof (raw as { id?: unknown })?.id === 'string' && referenced.has((raw as { id: string }).id)))
    .sort((a, b) => orderOf(a.raw) - orderOf(b.raw) || a.index - b.index);
  for (const { raw, index } of order) {
    const step = validateStep(raw, [...basePath, index], context, [], 0);
    if (step) steps.push(step);
  }
  if (details.length > 0) throw new FlowrunError('VALIDATION_ERROR', summarize(details), details);
  return steps;
}

interface Context {
  details: ErrorDetail[];
  byId: Map<string, { raw: unknown; path: PathSegment[] }>;
  options: ValidateFlowOptions;
  seenIds: Set<string>;
  counter: number;
}

function orderOf(raw: unknown): number {
  const order = (raw as { order?: unknown } | null)?.order;
  return typeof order === 'number' ? order : Number.MAX_SAFE_INTEGER;
}

/** The step ids a raw step's conditional branches name, inline nested branches included. */
function referencedIds(raw: unknown): string[] {
  const config = (raw as { config?: Record<string, unknown> } | null)?.config;
  if (!config || typeof config !== 'object') return [];
  return branchKeys.flatMap((key) => {
    const branch = config[key];
    if (!Array.isArray(branch)) return [];
    return branch.flatMap((entry: unknown) => (typeof entry === 'string' ? [entry] : referencedIds(entry)));
  });
}

function collectReferencedIds(rawSteps: unknown[]): Set<string> {
  return new Set(rawSteps.flatMap(referencedIds));
}

/** Finds a cycle among conditionals whose branches name other steps by id. */
function findReferenceCycle(rawSteps: unknown[]): string[] | null {
  const edges = new Map<string, string[]>();
  for (const raw of rawSteps) {
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id === 'string') edges.set(id, referencedIds(raw));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of edges.keys()) {
    const found = visit(id);
    if (found) return found;
  }
  return null;
}

function summarize(details: ErrorDetail[]): string {
  const first = details[0]!;
  return details.length === 1 ? first.message : `${first.message} (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})`;
}

/** A step's `errorHandling`, given as a word or as Runtype's object (with fallbacks and their triggers). */
function errorHandlingOf(step: RawStep): {
  onError: ErrorHandling;
  fallbacks?: StepFallback[];
  fallbackTriggers?: Array<'error' | 'empty-output'>;
} {
  const handling = typeof step.errorHandling === 'string' ? { onError: step.errorHandling } : step.errorHandling;
  const onError: ErrorHandling = handling?.onError ?? 'fail';
  if (onError !== 'fallback' || !handling || !('fallbacks' in handling)) return { onError };
  const triggers = handling.triggers ?? [{ type: 'error' as const }];
  return { onError, fallbacks: handling.fallbacks ?? [], fallbackTriggers: triggers.map((trigger) => trigger.type) };
}

function validateStep(raw: unknown, path: PathSegment[], context: Context, ancestors: string[], depth: number): Step | null {
  const { details } = context;
  const parsed = RawStep.safeParse(raw);
  if (!parsed.success) {
    details.push(...zodIssuesToDetails(parsed.error, raw, path));
    return null;
  }
  const step = parsed.data;
  const label = `step ${step.name ? `'${step.name}'` : formatPath(path)}`;
  if (++context.counter > maxExpandedSteps) {
    if (context.counter === maxExpandedSteps + 1) {
      details.push({
        code: 'INVALID_VALUE',
        path: formatPath(path),
        message: `the flow expands to more than ${maxExpandedSteps} steps (conditionals that name the same steps many times)`,
      });
    }
    return null;
  }
  const id = step.id ?? `step_${context.counter}`;
  if (!isImplementedStepType(step.type)) {
    details.push(unknownStepType(step.type, label, formatPath([...path, 'type'])));
    return null;
  }
  if (step.when !== undefined) checkExpression(step.when, formatPath([...path, 'when']), label, context);
  const base = {
    id,
    path: formatPath(path),
    name: step.name ?? id,
    enabled: step.enabled ?? true,
    when: step.when,
    ...errorHandlingOf(step),
  };
  const config = step.config ?? {};
  const configPath = [...path, 'config'];
  const definition = stepRegistry[step.type] as (typeof stepRegistry)[StepType];
  const result = definition.config.safeParse(config);
  const before = details.length;
  if (!result.success) {
    details.push(...zodIssuesToDetails(result.error, config, configPath));
    hintMisspelledKeys(details.slice(before), step.type, config, configPath);
    return null;
  }
  const data = result.data as Record<string, unknown>;
  const checkContext: StepCheckContext = {
    label,
    configPath,
    details,
    models: context.options.models,
    modelOverride: context.options.modelOverride,
    conversation: context.options.conversation,
  };
  (definition.check as ((config: unknown, context: StepCheckContext) => void) | undefined)?.(data, checkContext);
  hintMisspelledKeys(details.slice(before), step.type, config, configPath);
  if (definition.branches) {
    if (details.length > before) return null;
    if (depth >= maxConditionalDepth) {
      details.push({
        code: 'INVALID_VALUE',
        path: formatPath(configPath),
        message: `${label}: conditionals nest at most ${maxConditionalDepth} deep`,
      });
      return null;
    }
    for (const key of definition.branches)
      data[key] = validateBranch(data[key] ?? [], [...configPath, key], key, label, context, [...ancestors, id], depth);
  }
  const outputVariable =
    (definition.outputVariable as ((config: unknown) => string | undefined) | undefined)?.(data) ??
    (data.outputVariable as string | undefined);
  return { ...base, type: step.type, config: data, outputVariable } as Step;
}

/** An unknown step type, with the implemented type it is close to (`promt` → `prompt`), or the list. */
function unknownStepType(type: string, label: string, path: string): ErrorDetail {
  if ((knownStepTypes as readonly string[]).includes(type)) {
    return {
      code: 'UNKNOWN_STEP_TYPE',
      path,
      message: `${label} has type '${type}', which Flowrun does not run yet`,
      suggestion: `supported step types: ${implementedStepTypes.join(', ')}`,
    };
  }
  const near = didYouMean(closestName(type, implementedStepTypes));
  return {
    code: 'UNKNOWN_STEP_TYPE',
    path,
    message: `${label} has unknown type '${type}'${near ? ` (${near})` : ''}`,
    suggestion: near ?? `use one of: ${implementedStepTypes.join(', ')}`,
  };
}

/**
 * A required config field reported missing while the config has an unknown key close to it (`userPromt` for
 * `userPrompt`): the detail says so and suggests the name.
 */
function hintMisspelledKeys(found: ErrorDetail[], type: StepType, config: Record<string, unknown>, configPath: PathSegment[]): void {
  const misspelt = unknownConfigKeys(type, config).filter((key) => key.suggestion !== undefined);
  for (const detail of found) {
    if (detail.code !== 'MISSING_REQUIRED_FIELD' || detail.suggestion) continue;
    const key = misspelt.find((entry) => detail.path === formatPath([...configPath, entry.suggestion!]));
    if (!key) continue;
    detail.message += ` (${formatPath([...configPath, key.key])} is not a field: ${didYouMean(key.suggestion)})`;
    detail.suggestion = `rename '${key.key}' to '${key.suggestion}'`;
  }
}

/** A branch's entries: inline steps, or ids of other steps of the flow (never one that contains this step). */
function validateBranch(
  branch: unknown,
  branchPath: PathSegment[],
  key: string,
  label: string,
  context: Context,
  ancestors: string[],
  depth: number,
): Step[] {
  const steps: Step[] = [];
  (branch as unknown[]).forEach((entry, index) => {
    if (context.counter > maxExpandedSteps) return;
    const entryPath = [...branchPath, index];
    let raw = entry;
    let rawPath = entryPath;
    if (typeof entry === 'string') {
      if (ancestors.includes(entry)) {
        context.details.push({
          code: 'CYCLIC_STEP_REFERENCE',
          path: formatPath(entryPath),
          message: `${label}: ${key} refers to step '${entry}', which contains this conditional (a cycle)`,
        });
        return;
      }
      const target = context.byId.get(entry);
      if (!target) {
        context.details.push({
          code: 'INVALID_VALUE',
          path: formatPath(entryPath),
          message: `${label}: ${key} refers to unknown step '${entry}'`,
        });
        return;
      }
      raw = target.raw;
      rawPath = target.path;
    }
    const child = validateStep(raw, rawPath, context, ancestors, depth + 1);
    if (child) steps.push(child);
  });
  return steps;
}

/** Counts the steps a run can reach, nested branches included, for `totalSteps`. */
export function countSteps(steps: Step[]): number {
  let total = 0;
  walkSteps(steps, () => total++);
  return total;
}

/** The saved tools a flow's steps name (prompt `tools.toolIds` but `mcp:` ids, and `tool-call` steps), with the step naming each. */
export function savedToolReferences(steps: Step[]): Array<{ id: string; step: Step; path: string }> {
  const found: Array<{ id: string; step: Step; path: string }> = [];
  walkSteps(steps, (step) => {
    if (step.type === 'prompt') {
      (step.config.tools?.toolIds ?? []).forEach((id, index) => {
        if (!id.startsWith('mcp:') && !id.startsWith('builtin:'))
          found.push({ id, step, path: `${step.path}.config.tools.toolIds[${index}]` });
      });
    }
    if (step.type === 'tool-call') found.push({ id: step.config.toolId, step, path: `${step.path}.config.toolId` });
  });
  return found;
}
