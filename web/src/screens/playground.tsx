import { useCallback, useEffect, useState } from 'react';
import { PickOne, useAgentList, useFlowList } from '../choices';
import { Link, useLocation } from '../router';
import { ErrorBox, PageHeader, StatusBadge } from '../ui';
import { RawFrames } from './raw-frames';
import { BlockView } from './stream-blocks';
import { usePlaygroundRun, type RunRequest, type Target } from './use-playground-run';

/** Runs a flow or an agent and shows its stream as it arrives, with its approvals and client tools answerable here. */
export function PlaygroundScreen() {
  const { query } = useLocation();
  const [request, setRequest] = useState<RunRequest>({
    target: query.get('agent') ? 'agent' : 'flow',
    flowId: query.get('flow') ?? '',
    agentId: query.get('agent') ?? '',
    metadata: '{\n  "message": "Hello from the playground"\n}',
    inputs: '{}',
    message: 'Hello!',
    body: '',
  });
  const change = useCallback((update: Partial<RunRequest>) => setRequest((current) => ({ ...current, ...update })), []);
  const run = usePlaygroundRun();
  const { view } = run;
  const ready = !(request.target === 'flow' && !request.flowId) && !(request.target === 'agent' && !request.agentId);
  return (
    <>
      <PageHeader title="Playground">
        {view.executionId && <Link to={`/runs/${encodeURIComponent(view.executionId)}`}>Open run {view.executionId}</Link>}
      </PageHeader>
      <div className="split">
        <section className="panel" aria-label="What to run">
          <RequestForm request={request} onChange={change} />
          <p className="row">
            <button type="button" onClick={() => void run.run(request)} disabled={view.status === 'running' || !ready}>
              {view.status === 'running' ? 'Running…' : 'Run'}
            </button>
            {view.status === 'running' && (
              <button type="button" className="secondary" onClick={run.stop}>
                Stop watching
              </button>
            )}
            {view.status !== 'idle' && <StatusBadge status={view.status} />}
          </p>
          {run.error !== undefined && <ErrorBox error={run.error} />}
        </section>
        <section className="panel" aria-label="Output" aria-live="polite">
          <h2 style={{ marginTop: 0 }}>Output</h2>
          {view.blocks.length === 0 ? <p className="muted">Run something to see its stream here.</p> : null}
          {view.blocks.map((block) => (
            <BlockView key={`${block.kind}:${block.id}`} block={block} onDecide={run.decide} onAnswer={run.answer} />
          ))}
        </section>
      </div>
      {view.executionId && <RawFrames executionId={view.executionId} generation={run.generation} />}
    </>
  );
}

const targets: Array<[Target, string]> = [
  ['flow', 'Stored flow'],
  ['agent', 'Agent'],
  ['json', 'Dispatch body (JSON)'],
];

/** What to run: a stored flow with a record and inputs, an agent with a message, or any dispatch body. */
function RequestForm({ request, onChange }: { request: RunRequest; onChange: (change: Partial<RunRequest>) => void }) {
  const flows = useFlowList();
  const agents = useAgentList();
  useEffect(() => {
    if (!request.flowId && flows.data?.[0]) onChange({ flowId: flows.data[0].id });
    if (!request.agentId && agents.data?.[0]) onChange({ agentId: agents.data[0].id });
  }, [flows.data, agents.data, request.flowId, request.agentId, onChange]);
  const text = (id: string, label: string, key: 'metadata' | 'inputs' | 'message' | 'body', rows: number) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={rows} value={request[key]} onChange={(event) => onChange({ [key]: event.target.value })} />
    </div>
  );
  return (
    <>
      <div className="row" role="radiogroup" aria-label="Run a">
        {targets.map(([option, label]) => (
          <label key={option} className="row" style={{ margin: 0 }}>
            <input type="radio" name="target" checked={request.target === option} onChange={() => onChange({ target: option })} />
            {label}
          </label>
        ))}
      </div>
      {request.target === 'flow' && (
        <>
          <PickOne
            id="pg-flow"
            label="Flow"
            value={request.flowId}
            items={flows}
            onChange={(flowId) => onChange({ flowId })}
            empty="No flows yet"
            emptyOnlyWhenNone
          />
          {text('pg-record', 'Record metadata', 'metadata', 5)}
          {text('pg-inputs', 'Inputs', 'inputs', 2)}
        </>
      )}
      {request.target === 'agent' && (
        <>
          <PickOne
            id="pg-agent"
            label="Agent"
            value={request.agentId}
            items={agents}
            onChange={(agentId) => onChange({ agentId })}
            empty="No agents yet"
            emptyOnlyWhenNone
          />
          {text('pg-message', 'Message', 'message', 3)}
        </>
      )}
      {request.target === 'json' && text('pg-body', 'POST /v1/dispatch body', 'body', 14)}
    </>
  );
}
