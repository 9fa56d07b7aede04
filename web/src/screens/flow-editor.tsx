import { useState, type ReactElement } from 'react';
import type { StepTypeInfo } from '@flowrun/client';
import { useSession } from '../use-session';
import { download } from '../download';
import { FlowGraph } from '../flow-graph';
import { exportDispatchBody, type EditorStep } from '../flow-json';
import { useLoad } from '../hooks';
import { Link } from '../router';
import { StepForm } from '../step-form';
import { allSteps, pathKey, type StepPath } from '../steps';
import { ActionButton, Async, Empty, PageHeader } from '../ui';
import { VersionsPanel } from './flow-versions';
import { useFlowEditor, type FlowEditorState, type StoredFlow } from './use-flow-editor';

export function FlowEditorScreen({ flowId }: { flowId: string | null }) {
  const { client } = useSession();
  const stored = useLoad(async () => (flowId ? await client.flows.get(flowId) : null), [flowId]);
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
  const editor = useFlowEditor(stored, reload);
  const { flow, selected, selectedStep } = editor;
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
          onClick={() => download(`${flow.slug ?? 'flow'}.json`, JSON.stringify(exportDispatchBody(flow, editor.metadata), null, 2))}
        >
          Export JSON
        </button>
        <ActionButton onAction={editor.save} disabled={flow.name.trim() === ''}>
          {stored ? 'Save version' : 'Create flow'}
        </ActionButton>
        {editor.saved && (
          <span role="status" className="muted">
            {editor.saved}
          </span>
        )}
      </PageHeader>
      <FlowFields editor={editor} />
      <StepToolbar editor={editor} types={types} />
      <div className="editor-grid">
        <div>
          {flow.steps.length === 0 ? (
            <Empty>No steps yet: choose a type and press “Add step”.</Empty>
          ) : (
            <FlowGraph steps={flow.steps} selected={selected ? pathKey(selected) : null} onSelect={editor.setSelected} />
          )}
          <StepList steps={flow.steps} selected={selected} onSelect={editor.setSelected} />
        </div>
        <div className="panel">
          {selectedStep && selected ? (
            <StepForm
              key={pathKey(selected)}
              step={selectedStep}
              info={types.find((type) => type.type === selectedStep.type)}
              hints={editor.hints}
              onChange={editor.changeStep}
            />
          ) : (
            <p className="muted">Select a step to edit it.</p>
          )}
          <div className="field">
            <label htmlFor="sample-record">
              Sample record metadata <span className="hint">(its keys become hints; exported with the flow)</span>
            </label>
            <textarea
              id="sample-record"
              rows={4}
              value={editor.sampleRecord}
              onChange={(event) => editor.setSampleRecord(event.target.value)}
            />
          </div>
        </div>
      </div>
      {stored && <VersionsPanel flowId={stored.id} current={flow} onRestore={(definition) => editor.edit({ steps: definition.steps })} />}
    </>
  );
}

function FlowFields({ editor }: { editor: FlowEditorState }) {
  const { flow, edit } = editor;
  return (
    <>
      <div className="split">
        <div className="field">
          <label htmlFor="flow-name">Name</label>
          <input id="flow-name" value={flow.name} onChange={(event) => edit({ name: event.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="flow-slug">
            Slug <span className="hint">(runs can name the flow by it)</span>
          </label>
          <input
            id="flow-slug"
            className="mono"
            value={flow.slug ?? ''}
            onChange={(event) => edit({ slug: event.target.value || undefined })}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="flow-description">Description</label>
        <input
          id="flow-description"
          value={flow.description ?? ''}
          onChange={(event) => edit({ description: event.target.value || undefined })}
        />
      </div>
    </>
  );
}

function StepToolbar({ editor, types }: { editor: FlowEditorState; types: StepTypeInfo[] }) {
  const [addType, setAddType] = useState('prompt');
  return (
    <div className="toolbar" style={{ marginTop: 12 }}>
      <div>
        <label htmlFor="add-type">Step type</label>
        <select id="add-type" value={addType} onChange={(event) => setAddType(event.target.value)}>
          {types.map((type) => (
            <option key={type.type}>{type.type}</option>
          ))}
        </select>
      </div>
      <button type="button" onClick={() => editor.add(addType)}>
        Add step
      </button>
      {editor.selectedStep?.type === 'conditional' && (
        <>
          <button type="button" className="secondary" onClick={() => editor.add(addType, 'trueSteps')}>
            Add to “true” branch
          </button>
          <button type="button" className="secondary" onClick={() => editor.add(addType, 'falseSteps')}>
            Add to “false” branch
          </button>
        </>
      )}
      {editor.selected && (
        <>
          <button type="button" className="secondary" aria-label="Move step up" onClick={() => editor.move(-1)}>
            ↑
          </button>
          <button type="button" className="secondary" aria-label="Move step down" onClick={() => editor.move(1)}>
            ↓
          </button>
          <button type="button" className="danger" onClick={editor.remove}>
            Delete step
          </button>
        </>
      )}
    </div>
  );
}

/** The steps as a list of buttons: the graph's keyboard path (Tab to a step, Enter to edit it). */
function StepList({ steps, selected, onSelect }: { steps: EditorStep[]; selected: StepPath | null; onSelect: (path: StepPath) => void }) {
  const current = selected ? pathKey(selected) : null;
  const render = (list: EditorStep[], prefix: StepPath, depth: number): ReactElement[] =>
    list.flatMap((step, index) => {
      const path = [...prefix, index];
      const branches = ['trueSteps', 'falseSteps'].flatMap((branch) =>
        Array.isArray(step.config[branch]) ? render(step.config[branch] as EditorStep[], [...path, branch], depth + 1) : [],
      );
      const pressed = current === pathKey(path);
      return [
        <li key={pathKey(path)} style={{ paddingLeft: depth * 16 }}>
          <button type="button" className={pressed ? '' : 'secondary'} aria-pressed={pressed} onClick={() => onSelect(path)}>
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
