import type { DatabaseSchema } from './schema.js';
import type { Selectable } from 'kysely';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

export interface ApprovalRow {
  id: string;
  executionId: string;
  status: 'pending' | 'approved' | 'denied' | 'timeout' | 'cancelled';
  kind: string;
  stepId: string;
  toolCallId: string | null;
  toolName: string | null;
  parameters: unknown;
  description: string | null;
  reason: string | null;
  timeoutAt: string | null;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
}

type ApprovalDbRow = Selectable<DatabaseSchema['approvals']>;
const approvalsOf = (db: Database) => db.selectFrom('approvals').selectAll();
const toApproval = (row: ApprovalDbRow): ApprovalRow => ({
  id: row.id,
  executionId: row.execution_id,
  status: row.status as ApprovalRow['status'],
  kind: row.kind,
  stepId: row.step_id,
  toolCallId: row.tool_call_id,
  toolName: row.tool_name,
  parameters: fromJson(row.parameters),
  description: row.description,
  reason: row.reason,
  timeoutAt: row.timeout_at ? new Date(row.timeout_at).toISOString() : null,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
  decidedBy: row.decided_by,
  decisionReason: row.decision_reason,
});

export async function insertApprovals(
  db: Database,
  scope: TenantScope,
  executionId: string,
  stepId: string,
  approvals: Array<{
    approvalId: string;
    kind: string;
    toolCallId?: string;
    toolName?: string;
    parameters?: unknown;
    description: string;
    reason?: string;
    timeoutMs?: number;
  }>,
  now: number,
): Promise<void> {
  if (approvals.length === 0) return;
  await db
    .insertInto('approvals')
    .values(
      approvals.map((approval) => ({
        id: approval.approvalId,
        execution_id: executionId,
        tenant_id: scope.tenantId,
        mode: scope.mode,
        status: 'pending',
        kind: approval.kind,
        step_id: stepId,
        tool_call_id: approval.toolCallId ?? null,
        tool_name: approval.toolName ?? null,
        parameters: approval.parameters === undefined ? null : toJson(approval.parameters),
        description: approval.description,
        reason: approval.reason ?? null,
        timeout_at: approval.timeoutMs ? now + approval.timeoutMs : null,
        created_at: new Date(now).toISOString(),
        decided_at: null,
        decided_by: null,
        decision_reason: null,
      })),
    )
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

export async function getApproval(db: Database, id: string): Promise<ApprovalRow | null> {
  const row = await approvalsOf(db).where('id', '=', id).executeTakeFirst();
  return row ? toApproval(row) : null;
}

/** An approval as the inbox lists it: with the name of the flow (or agent) whose run waits. */
export type ListedApproval = ApprovalRow & { flowName: string | null };

export async function listApprovals(
  db: Database,
  scope: TenantScope,
  query: { status?: string; executionId?: string; limit: number },
): Promise<ListedApproval[]> {
  let base = db
    .selectFrom('approvals')
    .leftJoin('executions', 'executions.id', 'approvals.execution_id')
    .selectAll('approvals')
    .select('executions.flow_name')
    .where('approvals.tenant_id', '=', scope.tenantId)
    .where('approvals.mode', '=', scope.mode)
    // A wait-until's wake-up is an approval only the clock decides: no one's inbox lists it.
    .where('approvals.kind', '<>', 'wait');
  if (query.status) base = base.where('approvals.status', '=', query.status);
  if (query.executionId) base = base.where('approvals.execution_id', '=', query.executionId);
  const rows = await base.orderBy('approvals.created_at', 'desc').limit(query.limit).execute();
  return rows.map(({ flow_name, ...row }) => ({ ...toApproval(row), flowName: flow_name ?? null }));
}

export async function approvalsOfExecution(db: Database, executionId: string): Promise<ApprovalRow[]> {
  return (await approvalsOf(db).where('execution_id', '=', executionId).orderBy('created_at').execute()).map(toApproval);
}

/** Records a decision once: false when the approval was decided already. */
export async function decideApproval(
  db: Database,
  id: string,
  decision: 'approved' | 'denied' | 'timeout' | 'cancelled',
  by: string,
  reason: string | undefined,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('approvals')
    .set({ status: decision, decided_at: now, decided_by: by, decision_reason: reason ?? null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function expiredApprovals(db: Database, now: number): Promise<ApprovalRow[]> {
  return (await approvalsOf(db).where('status', '=', 'pending').where('timeout_at', '<=', now).execute()).map(toApproval);
}

/**
 * Paused runs whose approvals are all decided, the last decision before `decidedBefore` (ISO time): what is left
 * when a server died between recording a decision and continuing its run.
 */
export async function decidedButPaused(db: Database, decidedBefore: string): Promise<string[]> {
  const rows = await db
    .selectFrom('executions')
    .select('executions.id')
    .where('executions.status', '=', 'paused')
    .where((eb) => eb.exists(eb.selectFrom('approvals').select('approvals.id').whereRef('approvals.execution_id', '=', 'executions.id')))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('approvals')
            .select('approvals.id')
            .whereRef('approvals.execution_id', '=', 'executions.id')
            .where((inner) => inner.or([inner('approvals.status', '=', 'pending'), inner('approvals.decided_at', '>=', decidedBefore)])),
        ),
      ),
    )
    .limit(100)
    .execute();
  return rows.map((row) => row.id);
}
