import { renderRun } from '../render-run.js';
import { remoteClient, withRemote, type RemoteOptions } from '../remote.js';
import { createTerminal } from '../terminal.js';

/**
 * `flowrun approve EXECUTION [APPROVAL] [--deny] [--reason TEXT]`: decides a pending approval (the run's only
 * one when no id is given) and streams the run on from there.
 */
export function approveCommand(
  executionId: string,
  approvalId: string | undefined,
  options: RemoteOptions & { deny?: boolean; reason?: string },
): Promise<void> {
  return withRemote(async () => {
    const flowrun = remoteClient(options);
    let id = approvalId;
    if (!id) {
      const pending = (await flowrun.approvals.list({ status: 'pending' })).data.filter((approval) => approval.executionId === executionId);
      if (pending.length !== 1)
        throw new Error(
          pending.length === 0
            ? `run ${executionId} waits for no approval`
            : `run ${executionId} waits for ${pending.length} approvals; name one: ${pending.map((approval) => String(approval.id)).join(', ')}`,
        );
      id = String(pending[0]!.id);
    }
    const decision = {
      executionId,
      approvalId: id,
      decision: options.deny ? ('denied' as const) : ('approved' as const),
      ...(options.reason ? { reason: options.reason } : {}),
    };
    const rendered = await renderRun(flowrun.approve(decision), createTerminal());
    return rendered.status === 'failed' ? 1 : 0;
  });
}
