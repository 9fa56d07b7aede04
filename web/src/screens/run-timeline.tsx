import type { ExecutionDetail, ExecutionStep } from '@flowrun/client';
import { formatDuration, formatNumber, formatTime, formatUsd, Json, StatusBadge } from '../ui';

type RunStep = ExecutionStep;

/** Each step as a bar from its start to its end, against the run's whole duration. */
export function Timeline({
  execution,
  names,
  selected,
  onSelect,
}: {
  execution: ExecutionDetail;
  /** Each step's name by its id (the id stands in until the names are known). */
  names: Record<string, string>;
  selected: number | null;
  onSelect: (index: number) => void;
}) {
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
            <span className="step-label" title={step.stepId}>
              {step.index}. {names[step.stepId] ?? step.stepId} <span className="muted">({step.stepType})</span>
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

export function StepDetail({ step, name, prompt }: { step: RunStep; name: string | undefined; prompt: string | undefined }) {
  return (
    <div className="panel" style={{ marginTop: 10 }} aria-label="Step detail">
      <h3 style={{ marginTop: 0 }}>
        Step {step.index}: {name ?? step.stepId} <StatusBadge status={step.status} />
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
      {step.error != null && <Json value={step.error} />}
      {step.toolCalls != null && (
        <details>
          <summary>Tool calls</summary>
          <Json value={step.toolCalls} />
        </details>
      )}
    </div>
  );
}
