import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { StepTypeInfo } from '@flowrun/client';
import { useSession } from '../app';
import { FlowGraph } from '../flow-graph';
import { StepForm } from '../step-form';
import { exportDispatchBody, type EditorFlow, type EditorStep } from '../flow-json';
import { download } from '../download';
import { useLoad } from '../hooks';
import { Link, navigate } from '../router';
import { allSteps, editList, moveStep, newStep, pathKey, removeStep, stepAt, updateStep, variablesBefore, type StepPath } from '../steps';
import { ActionButton, Async, Empty, PageHeader } from '../ui';
import { VersionsPanel } from './flow-versions';

interface StoredFlow {
  id: string;
  slug: string | null;
  name: string;
  description: string | null;
  definition: EditorFlow;
}

const blankFlow: EditorFlow = { name: 'New flow', steps: [] };

export function FlowEditorScreen({ flowId }: { flowId: string | null }) {
  const { client } = useSession();
  const stored = useLoad(async () => (flowId ? ((await client.flows.get(flowId)) as unknown as StoredFlow) : null), [flowId]);
  const stepTypes = useLoad(async () => (await client.stepTypes.list()).data, []);
  return (
    <Async state={stored} what="the flow">
      {(flow) => (
        <Async state={stepTypes} what="step types">
          {(types) => <Editor key={flow?.id ?? 'new'} stored={flow} types={types} reload={stored.reload} />}
        </Async>
      )}
    </Async>
  );
}

function Editor({ stored, types, reload }: { stored: StoredFlow | null; types: StepTypeInfo[]; reload: () => void }) {
  const { client } = useSession();
  const [flow, setFlow] = useState<EditorFlow>(() =>
    stored
      ? { ...stored.definition, name: stored.name, slug: stored.slug ?? undefined, description: stored.description ?? undefined }
      : blankFlow,
  );
  const [selected, setSelected] = useState<StepPath | null>(flow.steps.length > 0 ? [0] : null);
  const [addType, setAddType] = useState('prompt');
  const [sampleRecord, setSampleRecord] = useState('{\n  "message": "Hello"\n}');
  const [saved, setSaved] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const parameters = useLoad(async () => (stored ? await client.flows.parameters(stored.id).catch(() => []) : []), [stored?.id]);
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => dirty && event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const setSteps = (change: (steps: EditorStep[]) => EditorStep[]) => {
    setFlow((current) => ({ ...current, steps: change(current.steps) }));
    setDirty(true);
    setSaved(null);
  };
  const selectedStep = selected ? stepAt(flow.steps, selected) : undefined;
  const hints = useMemo(() => {
    let metadata: Record<string, unknown> = {};
    try {
      metadata = JSON.parse(sampleRecord) as Record<string, unknown>;
    } catch {
      // the hint list keeps to the other variables while the sample is not JSON
    }
    const params = new Set<string>([
      ...(parameters.data ?? []).map((entry) => entry.token),
      ...[...JSON.stringify(flow.steps).matchAll(/\[\[([A-Za-z0-9_.-]+)\]\]/g)].map((found) => `[[${found[1]}]]`),
    ]);
    return [
      ...Object.keys(metadata).map((key) => `{{_record.metadata.${key}}}`),
      ...(selected ? variablesBefore(flow.steps, selected) : []).map((name) => `{{${name}}}`),
      ...params,
    ];
  }, [sampleRecord, flow.steps, selected, parameters.data]);

  const add = (branch?: 'trueSteps' | 'falseSteps') => {
    const step = newStep(addType, flow.steps);
    if (branch && selected) {
      const listPath = [...selected, branch];
      const length = ((selectedStep?.config[branch] as EditorStep[] | undefined) ?? []).length;
      setSteps((steps) => editList(steps, listPath, (list) => [...list, step]));
      setSelected([...listPath, length]);
      return;
    }
    const listPath = selected ? selected.slice(0, -1) : [];
    const at = selected ? (selected[selected.length - 1] as number) + 1 : flow.steps.length;
    setSteps((steps) => editList(steps, listPath, (list) => [...list.slice(0, at), step, ...list.slice(at)]));
    setSelected([...listPath, at]);
  };
  const save = async () => {
    const body = { name: flow.name, description: flow.description, steps: flow.steps, ...(flow.slug ? { slug: flow.slug } : {}) };
    if (stored) {
      await client.flows.update(stored.id, body);
      setSaved('Saved as a new version.');
      setDirty(false);
      reload();
    } else {
      const created = (await client.flows.create(body)) as { id: string };
      setDirty(false);
      navigate(`/flows/${encodeURIComponent(created.id)}`);
    }
  };
  const metadata = (() => {
    try {
      return JSON.parse(sampleRecord) as Record<string, unknown>;
    } catch {
      return {};
    }
  })();

  return (
    <>
      <PageHeader title={stored ? `Flow: ${stored.name}` : 'New flow'}>
        <Link to="/flows">All flows</Link>
        {stored && (
          <Link className="button secondary" to={`/playground?flow=${encodeURIComponent(stored.id)}`}>
            Run in playground
          </Link>
        )}
        <button
          type="button"
          className="secondary"
          onClick={() => download(`${flow.slug ?? 'flow'}.json`, JSON.stringify(exportDispatchBody(flow, metadata), null, 2))}
        >
          Export JSON
        </button>
        <ActionButton onAction={save} disabled={flow.name.trim() === ''}>
          {stored ? 'Save version' : 'Create flow'}
        </ActionButton>
        {saved && (
          <span role="status" className="muted">
            {saved}
          </span>
        )}
      </PageHeader>
      <div className="split">
        <div className="field">
          <label htmlFor="flow-name">Name</label>
          <input id="flow-name" value={flow.name} onChange={(event) => (setFlow({ ...flow, name: event.target.value }), setDirty(true))} />
        </div>
        <div className="field">
          <label htmlFor="flow-slug">
            Slug <span className="hint">(runs can name the flow by it)</span>
          </label>
          <input
            id="flow-slug"
            className="mono"
            value={flow.slug ?? ''}
            onChange={(event) => (setFlow({ ...flow, slug: event.target.value || undefined }), setDirty(true))}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="flow-description">Description</label>
        <input
          id="flow-description"
          value={flow.description ?? ''}
          onChange={(event) => (setFlow({ ...flow, description: event.target.value || undefined }), setDirty(true))}
        />
      </div>
      <div className="toolbar" style={{ marginTop: 12 }}>
        <div>
          <label htmlFor="add-type">Step type</label>
          <select id="add-type" value={addType} onChange={(event) => setAddType(event.target.value)}>
            {types.map((type) => (
              <option key={type.type}>{type.type}</option>
            ))}
          </select>
        </div>
        <button type="button" onClick={() => add()}>
          Add step
        </button>
        {selectedStep?.type === 'conditional' && (
          <>
            <button type="button" className="secondary" onClick={() => add('trueSteps')}>
              Add to “true” branch
            </button>
            <button type="button" className="secondary" onClick={() => add('falseSteps')}>
              Add to “false” branch
            </button>
          </>
        )}
        {selected && (
          <>
            <button
              type="button"
              className="secondary"
              aria-label="Move step up"
              onClick={() => (setSteps((steps) => moveStep(steps, selected, -1)), setSelected(null))}
            >
              ↑
            </button>
            <button
              type="button"
              className="secondary"
              aria-label="Move step down"
              onClick={() => (setSteps((steps) => moveStep(steps, selected, 1)), setSelected(null))}
            >
              ↓
            </button>
            <button type="button" className="danger" onClick={() => (setSteps((steps) => removeStep(steps, selected)), setSelected(null))}>
              Delete step
            </button>
          </>
        )}
      </div>
      <div className="editor-grid">
        <div>
          {flow.steps.length === 0 ? (
            <Empty>No steps yet: choose a type and press “Add step”.</Empty>
          ) : (
            <FlowGraph steps={flow.steps} selected={selected ? pathKey(selected) : null} onSelect={setSelected} />
          )}
          <StepList steps={flow.steps} selected={selected} onSelect={setSelected} />
        </div>
        <div className="panel">
          {selectedStep && selected ? (
            <StepForm
              key={pathKey(selected)}
              step={selectedStep}
              info={types.find((type) => type.type === selectedStep.type)}
              hints={hints}
              onChange={(step) => setSteps((steps) => updateStep(steps, selected, () => step))}
            />
          ) : (
            <p className="muted">Select a step to edit it.</p>
          )}
          <div className="field">
            <label htmlFor="sample-record">
              Sample record metadata <span className="hint">(its keys become hints; exported with the flow)</span>
            </label>
            <textarea id="sample-record" rows={4} value={sampleRecord} onChange={(event) => setSampleRecord(event.target.value)} />
          </div>
        </div>
      </div>
      {stored && (
        <VersionsPanel
          flowId={stored.id}
          current={flow}
          onRestore={(definition) => (setFlow({ ...flow, steps: definition.steps }), setDirty(true))}
        />
      )}
    </>
  );
}

/** The steps as a list of buttons: the graph's keyboard path (Tab to a step, Enter to edit it). */
function StepList({ steps, selected, onSelect }: { steps: EditorStep[]; selected: StepPath | null; onSelect: (path: StepPath) => void }) {
  const render = (list: EditorStep[], prefix: StepPath, depth: number): ReactElement[] =>
    list.flatMap((step, index) => {
      const path = [...prefix, index];
      const branches = ['trueSteps', 'falseSteps'].flatMap((branch) =>
        Array.isArray(step.config[branch]) ? render(step.config[branch] as EditorStep[], [...path, branch], depth + 1) : [],
      );
      return [
        <li key={pathKey(path)} style={{ paddingLeft: depth * 16 }}>
          <button
            type="button"
            className={selected && pathKey(selected) === pathKey(path) ? '' : 'secondary'}
            aria-pressed={selected ? pathKey(selected) === pathKey(path) : false}
            onClick={() => onSelect(path)}
          >
            {depth > 0 ? `${String(prefix[prefix.length - 1]).replace('Steps', '')} → ` : `${index + 1}. `}
            {step.name || step.id} <span className="muted">({step.type})</span>
          </button>
        </li>,
        ...branches,
      ];
    });
  if (allSteps(steps).length === 0) return null;
  return (
    <ol aria-label="Steps" style={{ listStyle: 'none', padding: 0, display: 'grid', gap: 4 }}>
      {render(steps, [], 0)}
    </ol>
  );
}
