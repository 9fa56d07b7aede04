import { shownStatus } from '@flowrun/client';
import { useEffect, useState } from 'react';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { Link } from '../router';
import { Async, formatDuration, formatNumber, formatTime, formatUsd, Json, PageHeader, StatusBadge } from '../ui';
import { AgentTree } from './agent-tree';
import { Feedback } from './run-feedback';
import { Replay } from './run-replay';
import { RunAgainButton } from './run-again-button';
import { RunWarnings } from './run-warnings';
import { StepDetail, Timeline } from './run-timeline';

const live = new Set(['queued', 'running']);

/**
 * One run: its warnings, its steps on a timeline, each step's rendered prompt, output, tokens and cost, its agent
 * tree, feedback and replay.
 */
export function RunScreen({ id }: { id: string }) {
  const { client } = useSession();
  const run = useLoad(() => client.executions.get(id), [id]);
  // The Travrse dialect's frames name each step and carry each prompt as rendered: read from the run's stored events.
  // A paused run's stream stays open for its resumption: reading stops at its pause (or its end).
  const facts = useLoad(
    async (signal) => {
      const found: { prompts: Record<string, string>; names: Record<string, string> } = { prompts: {}, names: {} };
      for await (const event of client.executions.events(id, { dialect: 'travrse', signal })) {
        const frame = event as { type?: string; id?: unknown; stepId?: unknown; name?: unknown; processedPrompt?: unknown };
        const stepId = String(frame.id ?? frame.stepId);
        if (frame.type?.startsWith('step_') && typeof frame.name === 'string' && frame.name) found.names[stepId] = frame.name;
        if (frame.type === 'step_complete' && typeof frame.processedPrompt === 'string') found.prompts[stepId] = frame.processedPrompt;
        if (frame.type === 'flow_paused' || frame.type === 'flow_complete' || frame.type === 'flow_error') break;
      }
      return found;
    },
    [id, run.data?.status],
  );
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
        const names = facts.data?.names ?? {};
        return (
          <>
            <PageHeader title={`Run of ${execution.flowName}`}>
              <Link to="/runs">All runs</Link>
              <StatusBadge status={shownStatus(execution)} />
              {!live.has(execution.status) && <RunAgainButton execution={execution} />}
            </PageHeader>
            <div className="grid-cards">
              <Stat label="Started" value={formatTime(execution.startedAt ?? execution.createdAt)} />
              <Stat label="Duration" value={formatDuration(execution.durationMs)} />
              <Stat label="Tokens" value={formatNumber((execution.usage?.inputTokens ?? 0) + (execution.usage?.outputTokens ?? 0))} />
              <Stat label="Cost" value={formatUsd(execution.usage?.costUsd)} />
            </div>
            <p className="mono muted">{execution.id}</p>
            {execution.error && <Json value={execution.error} />}
            <RunWarnings warnings={execution.warnings} />
            <h2>Timeline</h2>
            <Timeline execution={execution} names={names} selected={step?.index ?? null} onSelect={setSelected} />
            {step && <StepDetail step={step} name={names[step.stepId]} prompt={facts.data?.prompts[step.stepId]} />}
            <h2>Final output</h2>
            <Json value={execution.finalOutput ?? null} />
            <AgentTree id={execution.id} />
            <Feedback id={execution.id} />
            {['failed', 'paused', 'cancelled'].includes(execution.status) && <Replay execution={execution} names={names} />}
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
