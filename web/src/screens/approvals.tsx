import { useState } from 'react';
import type { Approval, ApprovalListQuery } from '@flowrun/client';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { Link } from '../router';
import { ActionButton, Async, Empty, formatTime, formatWhen, Json, PageHeader, StatusBadge } from '../ui';
import { TableWrap } from '../table-wrap';

const statuses: Array<NonNullable<ApprovalListQuery['status']>> = ['pending', 'approved', 'denied', 'timeout', 'cancelled'];

/** Every approval a run waits for (or, filtered, what was decided): approve or deny here, and the run goes on. */
export function ApprovalsScreen() {
  const { client } = useSession();
  const [status, setStatus] = useState('pending');
  const approvals = useLoad(
    async () => (await client.approvals.list({ status: statuses.find((known) => known === status) })).data,
    [status],
  );
  const decide = async (approval: Approval, decision: 'approved' | 'denied') => {
    // The decision answers with the run's continued stream; read it to its end, then show the list again.
    await client.approve({ executionId: approval.executionId, approvalId: approval.id, decision }).result();
    approvals.reload();
  };
  return (
    <>
      <PageHeader title="Approvals">
        <label htmlFor="approval-status" style={{ margin: 0 }}>
          Show
        </label>
        <select id="approval-status" value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="pending">pending</option>
          <option value="approved">approved</option>
          <option value="denied">denied</option>
          <option value="timeout">timed out</option>
          <option value="">all</option>
        </select>
        <button type="button" className="secondary" onClick={approvals.reload}>
          Refresh
        </button>
      </PageHeader>
      <Async state={approvals} what="approvals">
        {(list) =>
          list.length === 0 ? (
            <Empty>{status === 'pending' ? 'Nothing waits for a decision.' : 'No approvals here.'}</Empty>
          ) : (
            <ApprovalsTable approvals={list} onDecide={decide} />
          )
        }
      </Async>
    </>
  );
}

function ApprovalsTable({
  approvals,
  onDecide,
}: {
  approvals: Approval[];
  onDecide: (approval: Approval, decision: 'approved' | 'denied') => Promise<void>;
}) {
  return (
    <TableWrap label="Approvals">
      <table aria-label="Approvals">
        <thead>
          <tr>
            <th>Flow</th>
            <th>Asks</th>
            <th className="hide-narrow">Asked</th>
            <th>Decision</th>
          </tr>
        </thead>
        <tbody>
          {approvals.map((approval) => (
            <tr key={approval.id}>
              <td>
                <Link to={`/runs/${encodeURIComponent(approval.executionId)}`} data-testid="approval-flow">
                  {approval.flowName ?? approval.executionId}
                </Link>
                <div className="muted show-narrow">{formatWhen(approval.createdAt)}</div>
              </td>
              <td>
                <div data-testid="approval-message">{approval.description}</div>
                {approval.toolName && (
                  <div className="muted">
                    Before the tool <code>{approval.toolName}</code> runs
                  </div>
                )}
                {approval.parameters !== undefined && approval.parameters !== null && (
                  <details>
                    <summary>Arguments</summary>
                    <Json value={approval.parameters} />
                  </details>
                )}
              </td>
              <td className="hide-narrow nowrap" title={formatTime(approval.createdAt)}>
                {formatWhen(approval.createdAt)}
              </td>
              <td>
                {approval.status === 'pending' ? (
                  <span className="row">
                    <ActionButton onAction={() => onDecide(approval, 'approved')} label={`Approve ${approval.description}`}>
                      Approve
                    </ActionButton>
                    <ActionButton className="danger" onAction={() => onDecide(approval, 'denied')} label={`Deny ${approval.description}`}>
                      Deny
                    </ActionButton>
                  </span>
                ) : (
                  <StatusBadge status={approval.status} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
