import { useEffect, useRef, useState } from 'react';
import type { Dialect } from '@flowrun/client';
import { useSession } from '../app';
import { useLoad } from '../hooks';
import { Link, useLocation } from '../router';
import { applyEvent, type Block, type RunView } from '../run-view';
import { describeError } from '../session';
import { ActionButton, ErrorBox, Json, PageHeader, StatusBadge } from '../ui';

type Target = 'flow' | 'agent' | 'json';
const idle: RunView = { blocks: [], status: 'idle' };

function parseObject(text: string, what: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Runs a flow or an agent and shows its stream as it arrives, with its approvals and client tools answerable here. */
export function PlaygroundScreen() {
  const { client } = useSession();
  const { query } = useLocation();
  const flows = useLoad(async () => (await client.flows.list()).data as Array<{ id: string; name: string }>, []);
  const agents = useLoad(async () => (await client.agents.list()).data as Array<{ id: string; name: string }>, []);
  const [target, setTarget] = useState<Target>(query.get('agent') ? 'agent' : 'flow');
  const [flowId, setFlowId] = useState(query.get('flow') ?? '');
  const [agentId, setAgentId] = useState(query.get('agent') ?? '');
  const [metadata, setMetadata] = useState('{\n  "message": "Hello from the playground"\n}');
  const [inputs, setInputs] = useState('{}');
  const [message, setMessage] = useState('Hello!');
  const [body, setBody] = useState('');
  const [view, setView] = useState<RunView>(idle);
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    if (!flowId && flows.data?.[0]) setFlowId(flows.data[0].id);
  }, [flows.data, flowId]);
  useEffect(() => {
    if (!agentId && agents.data?.[0]) setAgentId(agents.data[0].id);
  }, [agents.data, agentId]);

  /** Reads a stream into the view; the raw-frames panel follows the same run. */
  const consume = async (stream: AsyncIterable<{ type: string }>) => {
    setError(undefined);
    try {
      for await (const event of stream) setView((current) => applyEvent(current, event as { type: string }));
    } catch (caught) {
      if ((caught as Error).name !== 'AbortError') setError(caught);
    }
    setGeneration((value) => value + 1);
  };
  const run = async () => {
    abort.current?.abort();
    abort.current = new AbortController();
    const signal = abort.current.signal;
    setView({ ...idle, status: 'running' });
    setError(undefined);
    try {
      if (target === 'agent') {
        await consume(client.agents.execute(agentId, { messages: [{ role: 'user', content: message }] }, { dialect: 'unified', signal }));
      } else if (target === 'json') {
        await consume(client.dispatch(parseObject(body, 'The dispatch body'), { dialect: 'unified', signal }));
      } else {
        await consume(
          client.dispatch(
            {
              record: { name: 'Playground', type: 'standalone', metadata: parseObject(metadata, 'The record') },
              flow: { id: flowId },
              inputs: parseObject(inputs, 'The inputs'),
            },
            { dialect: 'unified', signal },
          ),
        );
      }
    } catch (caught) {
      setError(caught);
      setView((current) => ({ ...current, status: 'failed' }));
    }
  };
  const decide = async (approvalId: string, decision: 'approved' | 'denied') => {
    setView((current) => ({ ...current, status: 'running' }));
    await consume(client.approve({ executionId: view.executionId!, approvalId, decision }, { dialect: 'unified' }));
  };
  const answer = async (toolCallId: string, output: unknown) => {
    setView((current) => ({
      ...current,
      status: 'running',
      blocks: current.blocks.map((block) => (block.kind === 'await' && block.id === toolCallId ? { ...block, answered: true } : block)),
    }));
    await consume(client.resume({ executionId: view.executionId!, toolOutputs: { [toolCallId]: output } }, { dialect: 'unified' }));
  };

  return (
    <>
      <PageHeader title="Playground">
        {view.executionId && <Link to={`/runs/${encodeURIComponent(view.executionId)}`}>Open run {view.executionId}</Link>}
      </PageHeader>
      <div className="split">
        <section className="panel" aria-label="What to run">
          <div className="row" role="radiogroup" aria-label="Run a">
            {(['flow', 'agent', 'json'] as const).map((option) => (
              <label key={option} className="row" style={{ margin: 0 }}>
                <input type="radio" name="target" checked={target === option} onChange={() => setTarget(option)} />
                {option === 'json' ? 'Dispatch body (JSON)' : option === 'flow' ? 'Stored flow' : 'Agent'}
              </label>
            ))}
          </div>
          {target === 'flow' && (
            <>
              <div className="field">
                <label htmlFor="pg-flow">Flow</label>
                <select id="pg-flow" value={flowId} onChange={(event) => setFlowId(event.target.value)}>
                  {(flows.data ?? []).length === 0 && <option value="">{flows.loading ? 'Loading…' : 'No flows yet'}</option>}
                  {(flows.data ?? []).map((flow) => (
                    <option key={flow.id} value={flow.id}>
                      {flow.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="pg-record">Record metadata</label>
                <textarea id="pg-record" rows={5} value={metadata} onChange={(event) => setMetadata(event.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="pg-inputs">Inputs</label>
                <textarea id="pg-inputs" rows={2} value={inputs} onChange={(event) => setInputs(event.target.value)} />
              </div>
            </>
          )}
          {target === 'agent' && (
            <>
              <div className="field">
                <label htmlFor="pg-agent">Agent</label>
                <select id="pg-agent" value={agentId} onChange={(event) => setAgentId(event.target.value)}>
                  {(agents.data ?? []).length === 0 && <option value="">{agents.loading ? 'Loading…' : 'No agents yet'}</option>}
                  {(agents.data ?? []).map((agent) => (
                    <option key={agent.id} value={agent.id}>
                      {agent.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="pg-message">Message</label>
                <textarea id="pg-message" rows={3} value={message} onChange={(event) => setMessage(event.target.value)} />
              </div>
            </>
          )}
          {target === 'json' && (
            <div className="field">
              <label htmlFor="pg-body">POST /v1/dispatch body</label>
              <textarea
                id="pg-body"
                rows={14}
                value={body}
                placeholder='{"record": {...}, "flow": {...}}'
                onChange={(event) => setBody(event.target.value)}
              />
            </div>
          )}
          <p className="row">
            <button
              type="button"
              onClick={() => void run()}
              disabled={view.status === 'running' || (target === 'flow' && !flowId) || (target === 'agent' && !agentId)}
            >
              {view.status === 'running' ? 'Running…' : 'Run'}
            </button>
            {view.status === 'running' && (
              <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
                Stop watching
              </button>
            )}
            {view.status !== 'idle' && <StatusBadge status={view.status} />}
          </p>
          {error !== undefined && <ErrorBox error={error} />}
        </section>
        <section className="panel" aria-label="Output" aria-live="polite">
          <h2 style={{ marginTop: 0 }}>Output</h2>
          {view.blocks.length === 0 ? <p className="muted">Run something to see its stream here.</p> : null}
          {view.blocks.map((block) => (
            <BlockView key={`${block.kind}:${block.id}`} block={block} onDecide={decide} onAnswer={answer} />
          ))}
        </section>
      </div>
      {view.executionId && <RawFrames executionId={view.executionId} generation={generation} />}
    </>
  );
}

function BlockView({
  block,
  onDecide,
  onAnswer,
}: {
  block: Block;
  onDecide: (approvalId: string, decision: 'approved' | 'denied') => Promise<void>;
  onAnswer: (toolCallId: string, output: unknown) => Promise<void>;
}) {
  const [output, setOutput] = useState('{}');
  switch (block.kind) {
    case 'step':
      return (
        <h3>
          {block.name} <span className="muted">({block.stepType})</span>{' '}
          {block.status === 'running' ? '…' : block.status === 'failed' ? '✗' : '✓'}
          {block.error && <span className="inline-error">{block.error}</span>}
        </h3>
      );
    case 'text':
      return (
        <div className="output" data-testid="stream-text">
          {block.text}
        </div>
      );
    case 'result':
      return (
        <div className="output" data-testid="step-result">
          {typeof block.value === 'string' ? block.value : JSON.stringify(block.value, null, 2)}
        </div>
      );
    case 'reasoning':
      return (
        <details className="card reasoning" open>
          <summary>Reasoning</summary>
          {block.text}
        </details>
      );
    case 'tool':
      return (
        <details className="card">
          <summary>
            Tool {block.name} · {block.status}
          </summary>
          <div className="muted">Arguments</div>
          <Json value={block.parameters ?? block.input} />
          {block.result !== undefined && (
            <>
              <div className="muted">Result</div>
              <Json value={block.result} />
            </>
          )}
        </details>
      );
    case 'approval':
      return (
        <div className="card approval panel" role="group" aria-label="Approval">
          <strong>Approval needed</strong> {block.toolName && <span className="mono">{block.toolName}</span>}
          <p>{block.description}</p>
          {block.parameters !== undefined && <Json value={block.parameters} />}
          {block.decision ? (
            <StatusBadge status={block.decision} />
          ) : (
            <div className="row">
              <ActionButton onAction={() => onDecide(block.id, 'approved')}>Approve</ActionButton>
              <ActionButton className="danger" onAction={() => onDecide(block.id, 'denied')}>
                Deny
              </ActionButton>
            </div>
          )}
        </div>
      );
    case 'await':
      return (
        <div className="card approval panel" role="group" aria-label="Client tool">
          <strong>The run asks this page to run the tool {block.toolName}</strong>
          <Json value={block.parameters} />
          {block.answered ? (
            <span className="muted">Answered.</span>
          ) : (
            <>
              <label htmlFor={`out-${block.id}`}>Its output (JSON or text)</label>
              <textarea id={`out-${block.id}`} rows={3} value={output} onChange={(event) => setOutput(event.target.value)} />
              <ActionButton
                onAction={() => {
                  let value: unknown = output;
                  try {
                    value = JSON.parse(output);
                  } catch {
                    // plain text is an answer too
                  }
                  return onAnswer(block.id, value);
                }}
              >
                Send output
              </ActionButton>
            </>
          )}
        </div>
      );
    case 'end':
      return (
        <p role="status" className={block.success ? 'muted' : 'inline-error'}>
          {block.message}
        </p>
      );
  }
}

/** The run's frames as a dialect sends them: the stored events replayed, then followed live. */
function RawFrames({ executionId, generation }: { executionId: string; generation: number }) {
  const { client } = useSession();
  const [dialect, setDialect] = useState<Dialect>('unified');
  const [frames, setFrames] = useState<unknown[]>([]);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    setFrames([]);
    setError(undefined);
    void (async () => {
      try {
        for await (const frame of client.executions.events(executionId, { dialect, signal: controller.signal }))
          setFrames((current) => [...current, frame]);
      } catch (caught) {
        if (!controller.signal.aborted) setError(caught);
      }
    })();
    return () => controller.abort();
  }, [client, executionId, dialect, generation]);
  return (
    <section className="panel" style={{ marginTop: 16 }} aria-label="Raw frames">
      <div className="row">
        <h2 style={{ margin: 0 }}>Raw frames</h2>
        <label htmlFor="pg-dialect" style={{ margin: 0 }}>
          Dialect
        </label>
        <select id="pg-dialect" value={dialect} onChange={(event) => setDialect(event.target.value as Dialect)}>
          <option value="unified">unified</option>
          <option value="runtype">runtype</option>
          <option value="travrse">travrse</option>
        </select>
        <span className="muted">{frames.length} frames</span>
      </div>
      {error !== undefined && <p className="inline-error">{describeError(error)}</p>}
      <div className="frames" data-testid="raw-frames">
        {frames.map((frame, index) => (
          <div className="frame" key={index}>
            <strong>{String((frame as { type?: unknown }).type)}</strong> {JSON.stringify(frame)}
          </div>
        ))}
      </div>
    </section>
  );
}
