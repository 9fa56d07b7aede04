import { useEffect, useMemo, useState } from 'react';
import { useSession } from '../use-session';
import type { FlowView } from '@flowrun/client';
import { editorFlowOf, requestSteps, type EditorFlow, type EditorStep } from '../flow-json';
import { useLoad } from '../hooks';
import { navigate } from '../router';
import { insertStep, moveStep, newStep, removeStep, stepAt, updateStep, variablesBefore, type StepPath } from '../steps';

export type StoredFlow = FlowView;

/** The sample record's metadata, or nothing while it is not JSON. */
export function parseMetadata(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The hints a text field offers: the record's metadata, the variables set before the step, the flow's `[[params]]`. */
function hintsFor(flow: EditorFlow, selected: StepPath | null, metadata: Record<string, unknown>, tokens: string[]): string[] {
  const params = new Set<string>([
    ...tokens,
    ...[...JSON.stringify(flow.steps).matchAll(/\[\[([A-Za-z0-9_.-]+)\]\]/g)].map((found) => `[[${found[1]}]]`),
  ]);
  return [
    ...Object.keys(metadata).map((key) => `{{_record.metadata.${key}}}`),
    ...(selected ? variablesBefore(flow.steps, selected) : []).map((name) => `{{${name}}}`),
    ...params,
  ];
}

/** Asks before the tab closes while there are unsaved changes. */
function useUnsavedWarning(dirty: boolean): void {
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => dirty && event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
}

/** What the editor starts from: the stored flow's current version, with the flow's own name, slug and description. */
function editedFlowOf(stored: StoredFlow | null): EditorFlow {
  if (!stored) return { name: 'New flow', steps: [] };
  const { name, slug, description } = stored;
  return { ...editorFlowOf(stored.definition), name, slug: slug ?? undefined, description: description ?? undefined };
}

/** The variables in reach of the selected step (and a PromptShuttle flow's `[[params]]`) for the editor's hints. */
function useHints(stored: StoredFlow | null, flow: EditorFlow, selected: StepPath | null, metadata: ReturnType<typeof parseMetadata>) {
  const { client } = useSession();
  // PromptShuttle's `[[params]]` come from a flow's templates: a dispatch-style flow (steps only) has none to ask for.
  const hasTemplates = (stored?.definition.templates?.length ?? 0) > 0;
  const parameters = useLoad(
    async () => (stored && hasTemplates ? await client.flows.parameters(stored.id).catch(() => []) : []),
    [stored?.id, hasTemplates],
  );
  return useMemo(
    () =>
      hintsFor(
        flow,
        selected,
        metadata,
        (parameters.data ?? []).map((entry) => entry.token),
      ),
    [flow, selected, metadata, parameters.data],
  );
}

/** The flow being edited and what can be done to it: select, add, move, delete steps; save as a new version. */
export function useFlowEditor(stored: StoredFlow | null, reload: () => void) {
  const { client } = useSession();
  const [flow, setFlow] = useState<EditorFlow>(() => editedFlowOf(stored));
  const [selected, setSelected] = useState<StepPath | null>(flow.steps.length > 0 ? [0] : null);
  const [sampleRecord, setSampleRecord] = useState('{\n  "message": "Hello"\n}');
  const [saved, setSaved] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  useUnsavedWarning(dirty);
  const metadata = useMemo(() => parseMetadata(sampleRecord), [sampleRecord]);
  const hints = useHints(stored, flow, selected, metadata);
  const edit = (change: Partial<EditorFlow>) => {
    setFlow((current) => ({ ...current, ...change }));
    setDirty(true);
    setSaved(null);
  };
  const setSteps = (change: (steps: EditorStep[]) => EditorStep[]) => edit({ steps: change(flow.steps) });
  const selectedStep = selected ? stepAt(flow.steps, selected) : undefined;
  return {
    flow,
    edit,
    selected,
    setSelected,
    selectedStep,
    hints,
    metadata,
    sampleRecord,
    setSampleRecord,
    saved,
    /** Adds a step after the selected one (or at the end), or at the end of the selected conditional's branch. */
    add(type: string, branch?: 'trueSteps' | 'falseSteps') {
      const { steps, path } = insertStep(flow.steps, selected, newStep(type, flow.steps), branch);
      edit({ steps });
      setSelected(path);
    },
    move(by: -1 | 1) {
      if (!selected) return;
      setSteps((steps) => moveStep(steps, selected, by));
      const index = selected[selected.length - 1] as number;
      setSelected([...selected.slice(0, -1), Math.max(0, index + by)]);
    },
    remove() {
      if (!selected) return;
      setSteps((steps) => removeStep(steps, selected));
      setSelected(null);
    },
    changeStep(step: EditorStep) {
      if (selected) setSteps((steps) => updateStep(steps, selected, () => step));
    },
    async save() {
      const body = {
        name: flow.name,
        description: flow.description,
        steps: requestSteps(flow.steps),
        ...(flow.slug ? { slug: flow.slug } : {}),
      };
      if (stored) {
        await client.flows.update(stored.id, body);
        setSaved('Saved as a new version.');
        setDirty(false);
        reload();
        return;
      }
      const created = (await client.flows.create(body)) as { id: string };
      setDirty(false);
      navigate(`/flows/${encodeURIComponent(created.id)}`);
    },
  };
}

export type FlowEditorState = ReturnType<typeof useFlowEditor>;
