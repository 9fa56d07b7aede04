import type { EditorStep } from './flow-json.js';

/** Where a step is: indexes into the flow's steps and, inside a conditional, the branch key. E.g. [2, 'trueSteps', 0]. */
export type StepPath = Array<number | string>;

export const pathKey = (path: StepPath): string => path.join('/');

export function stepAt(steps: EditorStep[], path: StepPath): EditorStep | undefined {
  let list: EditorStep[] = steps;
  let step: EditorStep | undefined;
  for (let index = 0; index < path.length; index += 2) {
    step = list[path[index] as number];
    if (!step) return undefined;
    const branch = path[index + 1];
    if (branch !== undefined) list = (step.config[branch as string] as EditorStep[] | undefined) ?? [];
  }
  return step;
}

/** The list a step is in, changed by `change`, written back along the path (immutably). */
export function editList(steps: EditorStep[], listPath: StepPath, change: (list: EditorStep[]) => EditorStep[]): EditorStep[] {
  if (listPath.length === 0) return change([...steps]);
  const [index, branch, ...rest] = listPath as [number, string, ...StepPath];
  return steps.map((step, position) => {
    if (position !== index) return step;
    const inner = (step.config[branch] as EditorStep[] | undefined) ?? [];
    return { ...step, config: { ...step.config, [branch]: editList(inner, rest, change) } };
  });
}

export function updateStep(steps: EditorStep[], path: StepPath, change: (step: EditorStep) => EditorStep): EditorStep[] {
  const index = path[path.length - 1] as number;
  return editList(steps, path.slice(0, -1), (list) => list.map((step, position) => (position === index ? change(step) : step)));
}

export function removeStep(steps: EditorStep[], path: StepPath): EditorStep[] {
  const index = path[path.length - 1] as number;
  return editList(steps, path.slice(0, -1), (list) => list.filter((_, position) => position !== index));
}

export function moveStep(steps: EditorStep[], path: StepPath, by: -1 | 1): EditorStep[] {
  const index = path[path.length - 1] as number;
  return editList(steps, path.slice(0, -1), (list) => {
    const target = index + by;
    if (target < 0 || target >= list.length) return list;
    const copy = [...list];
    [copy[index], copy[target]] = [copy[target]!, copy[index]!];
    return copy;
  });
}

/** Every step's id across the flow (branches too), so a new step gets a fresh one. */
export function allSteps(steps: EditorStep[]): EditorStep[] {
  return steps.flatMap((step) => [
    step,
    ...allSteps((step.config.trueSteps as EditorStep[] | undefined) ?? []),
    ...allSteps((step.config.falseSteps as EditorStep[] | undefined) ?? []),
  ]);
}

export function newStep(type: string, steps: EditorStep[]): EditorStep {
  const taken = new Set(allSteps(steps).map((step) => step.id));
  let number = allSteps(steps).length + 1;
  while (taken.has(`step_${number}`)) number++;
  const defaults: Record<string, Record<string, unknown>> = {
    prompt: { model: 'flowrun/echo', userPrompt: '{{_record.metadata.message}}', outputVariable: `output_${number}` },
    conditional: { condition: 'true', trueSteps: [], falseSteps: [] },
    approval: { message: 'Approve this step?' },
    'set-variable': { variableName: `variable_${number}`, value: '' },
    template: { template: '', outputVariable: `output_${number}` },
    'transform-data': { script: 'return {}', outputVariable: `output_${number}` },
  };
  return { id: `step_${number}`, name: `${type} ${number}`, type, enabled: true, config: defaults[type] ?? {} };
}

/** The output variables the steps before `path` set (what `{{…}}` can use there). */
export function variablesBefore(steps: EditorStep[], path: StepPath): string[] {
  const names: string[] = [];
  const visit = (list: EditorStep[], prefix: StepPath): boolean => {
    for (const [index, step] of list.entries()) {
      const here = [...prefix, index];
      if (pathKey(here) === pathKey(path)) return true;
      for (const branch of ['trueSteps', 'falseSteps'])
        if (Array.isArray(step.config[branch]) && visit(step.config[branch] as EditorStep[], [...here, branch])) return true;
      const variable = step.config.outputVariable ?? step.config.variableName;
      if (typeof variable === 'string' && variable) names.push(variable);
    }
    return false;
  };
  visit(steps, []);
  return names;
}

/**
 * Adds a step after the selected one (at the end when none is), or at the end of the selected conditional's
 * branch: the steps after, and the new step's path.
 */
export function insertStep(
  steps: EditorStep[],
  selected: StepPath | null,
  step: EditorStep,
  branch?: 'trueSteps' | 'falseSteps',
): { steps: EditorStep[]; path: StepPath } {
  if (branch && selected) {
    const length = ((stepAt(steps, selected)?.config[branch] as EditorStep[] | undefined) ?? []).length;
    return { steps: editList(steps, [...selected, branch], (list) => [...list, step]), path: [...selected, branch, length] };
  }
  const listPath = selected ? selected.slice(0, -1) : [];
  const at = selected ? (selected[selected.length - 1] as number) + 1 : steps.length;
  return { steps: editList(steps, listPath, (list) => [...list.slice(0, at), step, ...list.slice(at)]), path: [...listPath, at] };
}
