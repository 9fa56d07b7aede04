import { useState } from 'react';
import type { ExecutionDetail } from '@flowrun/client';
import { useSession } from '../use-session';
import { editorFlowOf } from '../flow-json';
import { replayRequest, type RunInput } from '../replay';
import { navigate } from '../router';
import { ActionButton } from '../ui';

/**
 * Replay from a step: a new run of the same flow and record from that step on, the earlier steps' outputs given as
 * inputs (the variables they set), so only the chosen step and those after it run again.
 */
export function Replay({ execution, names }: { execution: ExecutionDetail; names: Record<string, string> }) {
  const { client } = useSession();
  const steps = execution.steps ?? [];
  const firstOpen = steps.find((step) => step.status !== 'completed')?.index ?? steps.length + 1;
  const [from, setFrom] = useState(firstOpen);
  const replay = async () => {
    const input = (execution.input ?? {}) as RunInput;
    let flowSteps = input.flow?.steps;
    if (!flowSteps && execution.flowId) {
      // A stored flow's run names it (and its version): its steps are read from there.
      const versionId = execution.flowVersionId;
      const stored = versionId ? await client.flows.version(execution.flowId, versionId) : await client.flows.get(execution.flowId);
      flowSteps = editorFlowOf(stored.definition).steps;
    }
    if (!flowSteps) throw new Error('This run does not say which steps it ran, so it cannot be replayed.');
    const stream = client.dispatch(replayRequest(execution, flowSteps, from), { dialect: 'unified' });
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
                {step.index}. {names[step.stepId] ?? step.stepId} ({step.status})
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
