import type { FlowDefinition, Step } from '@flowrun/client';

/** A flow as the editor holds it, and the JSON it exports and imports (a body `POST /v1/dispatch` takes as it is). */
export interface EditorStep {
  id?: string;
  name?: string;
  type: string;
  enabled?: boolean;
  config: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * The editor's steps as a request sends them. The editor holds any type with any config while it is being edited;
 * the server checks what is sent (a 422 naming the field), so this is where the editor's loose steps meet the
 * client's step union.
 */
export function requestSteps(steps: EditorStep[]): Step[] {
  return steps as unknown as Step[];
}

export interface EditorFlow {
  name: string;
  slug?: string;
  description?: string;
  steps: EditorStep[];
}

/** A stored flow version's definition as the editor holds it: every step with a config (empty when it had none). */
export function editorFlowOf(definition: FlowDefinition): EditorFlow {
  return { ...definition, steps: (definition.steps ?? []).map((step) => ({ ...step, config: step.config ?? {} })) };
}

/** The dispatch body a flow exports as: run it with `curl -d @flow.json …/v1/dispatch`. */
export function exportDispatchBody(flow: EditorFlow, metadata: Record<string, unknown> = {}) {
  return {
    record: { name: `${flow.name} test record`, type: 'standalone', metadata },
    flow: { name: flow.name, steps: flow.steps },
    options: { streamResponse: true, recordMode: 'virtual', flowMode: 'virtual' },
  };
}

/** A flow from pasted or loaded JSON: a dispatch body (its `flow`), or a flow on its own. */
export function importFlow(text: string): EditorFlow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`Not JSON: ${(error as Error).message}`);
  }
  const candidate = (parsed && typeof parsed === 'object' && 'flow' in parsed ? (parsed as { flow: unknown }).flow : parsed) as Record<
    string,
    unknown
  > | null;
  if (!candidate || typeof candidate !== 'object' || !Array.isArray(candidate.steps))
    throw new Error('Expected a dispatch body with flow.steps, or a flow with steps');
  return {
    name: typeof candidate.name === 'string' && candidate.name ? candidate.name : 'Imported flow',
    ...(typeof candidate.description === 'string' ? { description: candidate.description } : {}),
    steps: (candidate.steps as EditorStep[]).map((step) => ({ ...step, config: step.config ?? {} })),
  };
}

/** A line diff (longest common subsequence) of two texts: each line kept, added or removed. */
export function diffLines(before: string, after: string): Array<{ kind: ' ' | '+' | '-'; text: string }> {
  const a = before.split('\n');
  const b = after.split('\n');
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lengths[i]![j] = a[i] === b[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
  const out: Array<{ kind: ' ' | '+' | '-'; text: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) out.push({ kind: '-', text: a[i++]! });
    else out.push({ kind: '+', text: b[j++]! });
  }
  while (i < a.length) out.push({ kind: '-', text: a[i++]! });
  while (j < b.length) out.push({ kind: '+', text: b[j++]! });
  return out;
}
