import type { ExecutionDetail } from '@flowrun/client';
import { runAgainRequest } from '../run-again';
import { navigate } from '../router';
import { ActionButton } from '../ui';
import { useSession } from '../use-session';

/** Starts the run again as it was started (same flow, record, inputs; same agent and messages), and opens the new run. */
export function RunAgainButton({ execution }: { execution: ExecutionDetail }) {
  const { client } = useSession();
  const runAgain = async () => {
    const again = runAgainRequest(execution);
    if (again.kind === 'shuttle') {
      // PromptShuttle's run answers when it has ended: its id is the new run's.
      const run = await client.runs.create(again.flowId, again.body);
      navigate(`/runs/${encodeURIComponent(run.id)}`);
      return;
    }
    const stream =
      again.kind === 'agent'
        ? client.agents.execute(again.agentId, again.body, { dialect: 'unified' })
        : client.dispatch(again.body, { dialect: 'unified' });
    // Reading the stream to its end is what runs it here; its first frame names the new run, which the page then follows.
    void stream.result().catch(() => undefined);
    navigate(`/runs/${encodeURIComponent(await stream.executionId())}`);
  };
  return (
    <ActionButton className="secondary" onAction={runAgain}>
      Run again
    </ActionButton>
  );
}
