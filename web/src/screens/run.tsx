import { useEffect, useState } from 'react';
import type { Execution } from '@flowrun/client';
import { useSession } from '../app';
import type { EditorStep } from '../flow-json';
import { useLoad } from '../hooks';
import { Link, navigate } from '../router';
import { ActionButton, Async, formatDuration, formatNumber, formatTime, formatUsd, Json, PageHeader, StatusBadge } from '../ui';

type RunStep = Execution['steps'][number];

interface TreeNode {
  executionId: string;
  name: string;
  kind: string;
  status: string;
  durationMs: number | null;
  costUsd: number;
  cumulativeCostUsd: number;
  tokens: { input: number; output: number };
  toolCalls: Array<{ toolCallId: string; toolName: string; spawnedExecutionId: string | null }>;
  children: TreeNode[];
}

const live = new Set(['queued', 'running']);

/** One run: its steps on a timeline, each step's rendered prompt, output, tokens and cost, its agent tree, feedback and replay. */
export function RunScreen({ id }: { id: string }) {
  const { client } = useSession();
  const run = useLoad(() => client.executions.get(id), [id]);
  // The Travrse dialect's step_complete carries each prompt as rendered: read from the run's stored events.
  const prompts = useLoad(async () => {
    const found: Record<string, string> = {};
    for await (const event of client.executions.events(id, { dialect: 'travrse' })) {
      const frame = event as { type?: string; id?: unknown; stepId?: unknown; processedPrompt?: unknown };
      if (frame.type === 'step_complete' && typeof frame.processedPrompt === 'string')
        found[String(frame.id ?? frame.stepId)] = frame.processedPrompt;
    }
    return found;
  }, [id, run.data?.status]);
  useEffect(() => {
    if (!run.data || !live.has(run.data.status)) return;
    const timer = setTimeout(run.reload, 1000);
    return () => clearTimeout(timer);
  }, [run.data, run.reload]);
  const [selected, setSelected] = useState<number | null>(null);
  return (
    <Async state={run} what="the run">
      {(execution) => {
        const steps = execution.steps ?? [];
        const step = steps.find((candidate) => candidate.index === selected) ?? steps[0];
        return (
          <>
            <PageHeader title={`Run of ${execution.flowName}`}>
              <Link to="/runs">All runs</Link>
              <StatusBadge status={execution.status} />
            </PageHeader>
            <div className="grid-cards">
              <Stat label="Started" value={formatTime(execution.startedAt ?? execution.createdAt)} />
              <Stat label="Duration" value={formatDuration(execution.durationMs)} />
              <Stat label="Tokens" value={formatNumber((execution.usage?.inputTokens ?? 0) + (execution.usage?.outputTokens ?? 0))} />
              <Stat label="Cost" value={formatUsd(execution.usage?.costUsd)} />
            </div>
            <p className="mono muted">{execution.id}</p>
            {execution.error && <Json value={execution.error} />}
            <h2>Timeline</h2>
            <Timeline execution={execution} selected={step?.index ?? null} onSelect={setSelected} />
            {step && <StepDetail step={step} prompt={prompts.data?.[step.stepId]} />}
            <h2>Final output</h2>
            <Json value={execution.finalOutput ?? null} />
            <AgentTree id={execution.id} />
            <Feedback id={execution.id} />
            {['failed', 'paused', 'cancelled'].includes(execution.status) && <Replay execution={execution} />}
          </>
        );
      }}
    </Async>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <div className="muted">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}

/** Each step as a bar from its start to its end, against the run's whole duration. */
function Timeline({ execution, selected, onSelect }: { execution: Execution; selected: number | null; onSelect: (index: number) => void }) {
  const steps = execution.steps ?? [];
  if (steps.length === 0) return <p className="muted">No step has run yet.</p>;
  const start = Date.parse(execution.startedAt ?? execution.createdAt);
  const end = Math.max(
    start + (execution.durationMs ?? 0),
    ...steps.map((step) => Date.parse(step.startedAt ?? '') + (step.durationMs ?? 0)).filter(Number.isFinite),
  );
  const span = Math.max(1, end - start);
  return (
    <div className="timeline" role="list" aria-label="Steps timeline">
      {steps.map((step) => {
        const offset = Math.max(0, Date.parse(step.startedAt ?? '') - start) || 0;
        return (
          <div
            key={step.index}
            role="listitem"
            tabIndex={0}
            className="bar-row"
            aria-current={selected === step.index ? 'true' : undefined}
            onClick={() => onSelect(step.index)}
            onKeyDown={(event) => (event.key === 'Enter' || event.key === ' ') && (event.preventDefault(), onSelect(step.index))}
          >
            <span>
              {step.index}. {step.stepId} <span className="muted">({step.stepType})</span>
            </span>
            <span className="track" aria-hidden="true">
              <span
                className={`bar${step.status === 'failed' ? ' failed' : ''}`}
                style={{ left: `${(offset / span) * 100}%`, width: `${((step.durationMs ?? 0) / span) * 100}%` }}
              />
            </span>
            <span className="num">{formatDuration(step.durationMs)}</span>
          </div>
        );
      })}
    </div>
  );
}

function StepDetail({ step, prompt }: { step: RunStep; prompt: string | undefined }) {
  return (
    <div className="panel" style={{ marginTop: 10 }} aria-label="Step detail">
      <h3 style={{ marginTop: 0 }}>
        Step {step.index}: {step.stepId} <StatusBadge status={step.status} />
      </h3>
      <p className="muted">
        {formatTime(step.startedAt)} · {formatDuration(step.durationMs)} · {formatNumber(step.usage?.inputTokens ?? 0)} in /{' '}
        {formatNumber(step.usage?.outputTokens ?? 0)} out tokens · {formatUsd(step.usage?.costUsd)}
      </p>
      {prompt !== undefined && (
        <>
          <div className="muted">Prompt as rendered</div>
          <Json value={prompt} />
        </>
      )}
      <div className="muted">Output</div>
      <Json value={step.result ?? null} />
      {step.error && <Json value={step.error} />}
      {step.toolCalls != null && (
        <details>
          <summary>Tool calls</summary>
          <Json value={step.toolCalls} />
        </details>
      )}
    </div>
  );
}

function AgentTree({ id }: { id: string }) {
  const { client } = useSession();
  const tree = useLoad(async () => (await client.executions.tree(id)) as unknown as TreeNode, [id]);
  return (
    <section aria-label="Agent tree">
      <h2>Agent tree</h2>
      <Async state={tree} what="the tree">
        {(root) => (
          <div className="tree">
            <ul>
              <TreeItem node={root} />
            </ul>
          </div>
        )}
      </Async>
    </section>
  );
}

function TreeItem({ node }: { node: TreeNode }) {
  const [open, setOpen] = useState(true);
  const children = node.children ?? [];
  return (
    <li>
      <button
        type="button"
        className="ghost"
        aria-expanded={open}
        disabled={children.length === 0}
        onClick={() => setOpen(!open)}
        style={{ fontSize: 13 }}
      >
        {children.length === 0 ? '•' : open ? '▾' : '▸'}
      </button>
      <Link to={`/runs/${encodeURIComponent(node.executionId)}`}>{node.name}</Link> <span className="muted">({node.kind})</span>{' '}
      <StatusBadge status={node.status} /> {formatDuration(node.durationMs)} · own {formatUsd(node.costUsd)} · total{' '}
      {formatUsd(node.cumulativeCostUsd)} · {node.toolCalls.length} tool call(s)
      {open && children.length > 0 && (
        <ul>
          {children.map((child) => (
            <TreeItem key={child.executionId} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Feedback({ id }: { id: string }) {
  const { client } = useSession();
  const [score, setScore] = useState(5);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<unknown>(null);
  return (
    <section aria-label="Feedback">
      <h2>Feedback</h2>
      <div className="toolbar">
        <div>
          <label htmlFor="fb-score">Score (1–5)</label>
          <input id="fb-score" type="number" min={1} max={5} value={score} onChange={(event) => setScore(Number(event.target.value))} />
        </div>
        <div style={{ flex: 1 }}>
          <label htmlFor="fb-text">Comment</label>
          <input id="fb-text" style={{ width: '100%' }} value={text} onChange={(event) => setText(event.target.value)} />
        </div>
        <ActionButton
          onAction={async () => setSaved(await client.feedback.create({ shuttleRequestId: id, score, ...(text ? { text } : {}) }))}
        >
          Send feedback
        </ActionButton>
      </div>
      {saved !== null && <Json value={saved} />}
    </section>
  );
}

/**
 * Replay from a step: a new run of the same flow and record from that step on, the earlier steps' outputs given as
 * inputs (the variables they set), so only the chosen step and those after it run again.
 */
function Replay({ execution }: { execution: Execution }) {
  const { client } = useSession();
  const steps = execution.steps ?? [];
  const firstOpen = steps.find((step) => step.status !== 'completed')?.index ?? steps.length + 1;
  const [from, setFrom] = useState(firstOpen);
  const replay = async () => {
    const input = (execution.input ?? {}) as {
      flow?: { steps?: EditorStep[]; name?: string };
      record?: Record<string, unknown>;
      inputs?: Record<string, unknown>;
    };
    let flowSteps = input.flow?.steps;
    if (!flowSteps && execution.flowId) {
      const versionId = execution.flowVersionId as string | null | undefined;
      const stored = (versionId
        ? await client.flows.version(execution.flowId, versionId)
        : await client.flows.get(execution.flowId)) as unknown as {
        definition: { steps: EditorStep[] };
      };
      flowSteps = stored.definition.steps;
    }
    if (!flowSteps) throw new Error('This run does not say which steps it ran, so it cannot be replayed.');
    const inputs: Record<string, unknown> = { ...(input.inputs ?? {}) };
    flowSteps.slice(0, from - 1).forEach((step, position) => {
      const done = steps.find((candidate) => candidate.index === position + 1);
      const variable = (step.config?.outputVariable ?? step.config?.variableName) as string | undefined;
      if (done && variable) inputs[variable] = done.result;
    });
    const stream = client.dispatch(
      {
        record: input.record ?? {},
        flow: { name: `${execution.flowName} (replay from step ${from})`, steps: flowSteps.slice(from - 1) },
        inputs,
      },
      { dialect: 'unified' },
    );
    // Reading the stream to its end (result) is what makes its execution id known.
    void stream.result().catch(() => undefined);
    navigate(`/runs/${encodeURIComponent(await stream.executionId())}`);
  };
  return (
    <section aria-label="Replay">
      <h2>Replay from here</h2>
      <div className="toolbar">
        <div>
          <label htmlFor="replay-from">From step</label>
          <select id="replay-from" value={from} onChange={(event) => setFrom(Number(event.target.value))}>
            {steps.map((step) => (
              <option key={step.index} value={step.index}>
                {step.index}. {step.stepId} ({step.status})
              </option>
            ))}
            {firstOpen > steps.length && <option value={firstOpen}>{firstOpen}. the next step</option>}
          </select>
        </div>
        <ActionButton onAction={replay}>Replay from step {from}</ActionButton>
      </div>
    </section>
  );
}
