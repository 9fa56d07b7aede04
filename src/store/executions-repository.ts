import type { StepCheckpoint } from '../engine/ports.js';
import type { ExecutionEvent } from '../protocol/execution-event.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Usage } from '../protocol/usage.js';
import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { fromJson, toJson } from './json-column.js';

export type ExecutionStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface NewExecution {
  id: string;
  scope: TenantScope;
  flowId: string | null;
  flowVersionId: string | null;
  flowName: string;
  recordId: string | null;
  dialect: string;
  /** The request as received, secrets removed. */
  input: unknown;
  totalSteps: number;
  createdAt: string;
  parent?: { executionId: string; toolCallId: string };
  agent?: { id: string; name: string; maxTurns: number; model?: string };
  customerId?: string | null;
  tags?: string[];
  meta?: Record<string, unknown>;
  /** The raw steps the run executes (re-validated on recovery). */
  snapshot?: { name: string; steps: unknown[] };
  creditsReserved?: number;
}

export interface ExecutionStepView {
  index: number;
  toolCalls: unknown;
  stepId: string;
  stepType: string;
  status: string;
  result: unknown;
  error: unknown;
  usage: Usage | null;
  startedAt: string;
  durationMs: number;
}

export interface ExecutionView {
  id: string;
  kind: 'flow' | 'agent';
  agent: { id: string; name: string; maxTurns: number; model?: string } | null;
  parentExecutionId: string | null;
  parentToolCallId: string | null;
  creditsUsed: number;
  status: ExecutionStatus;
  flowId: string | null;
  flowVersionId: string | null;
  flowName: string;
  recordId: string | null;
  dialect: string;
  input: unknown;
  output: unknown;
  finalOutput: unknown;
  usage: Usage | null;
  error: unknown;
  totalSteps: number;
  eventCount: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  steps?: ExecutionStepView[];
}

export async function insertExecution(db: Database, execution: NewExecution): Promise<void> {
  await db
    .insertInto('executions')
    .values({
      id: execution.id,
      tenant_id: execution.scope.tenantId,
      mode: execution.scope.mode,
      flow_id: execution.flowId,
      flow_version_id: execution.flowVersionId,
      flow_name: execution.flowName,
      record_id: execution.recordId,
      status: 'queued',
      dialect: execution.dialect,
      input: toJson(execution.input),
      output: null,
      final_output: null,
      usage: null,
      error: null,
      total_steps: execution.totalSteps,
      last_seq: 0,
      pause_state: null,
      parent_execution_id: execution.parent?.executionId ?? null,
      parent_tool_call_id: execution.parent?.toolCallId ?? null,
      kind: execution.agent ? 'agent' : 'flow',
      agent: execution.agent ? toJson(execution.agent) : null,
      customer_id: execution.customerId ?? null,
      tags: execution.tags?.length ? toJson(execution.tags) : null,
      credits_used: null,
      meta: execution.meta ? toJson(execution.meta) : null,
      flow_snapshot: execution.snapshot ? toJson(execution.snapshot) : null,
      credits_reserved: execution.creditsReserved ?? null,
      created_at: execution.createdAt,
      started_at: null,
      completed_at: null,
      duration_ms: null,
    })
    .execute();
}

export async function markRunning(db: Database, id: string, startedAt: string): Promise<void> {
  await db.updateTable('executions').set({ status: 'running', started_at: startedAt }).where('id', '=', id).execute();
}

/** Commits a step's result with the run's variables after it, in one statement. */
export async function saveStepCheckpoint(
  db: Database | Transaction<DatabaseSchema>,
  executionId: string,
  checkpoint: StepCheckpoint,
): Promise<void> {
  await db
    .insertInto('execution_steps')
    .values({
      execution_id: executionId,
      step_index: checkpoint.stepIndex,
      step_id: checkpoint.stepId,
      step_type: checkpoint.stepType,
      status: checkpoint.status,
      result: toJson(checkpoint.result),
      error: checkpoint.error ? toJson(checkpoint.error) : null,
      usage: checkpoint.usage ? toJson(checkpoint.usage) : null,
      variables: toJson(checkpoint.variables),
      tool_calls: checkpoint.toolCalls?.length ? toJson(checkpoint.toolCalls) : null,
      started_at: new Date(checkpoint.startedAt).toISOString(),
      duration_ms: checkpoint.durationMs,
    })
    .onConflict((conflict) => conflict.columns(['execution_id', 'step_index']).doNothing())
    .execute();
}

export async function appendEvents(db: Database, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.transaction().execute((trx) => appendEventsIn(trx, events));
}

/** Events, then `also` (a checkpoint or a journal entry), in one transaction. */
export async function appendEventsWith(
  db: Database,
  events: readonly StoredEvent[],
  also: (trx: Transaction<DatabaseSchema>) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await appendEventsIn(trx, events);
    await also(trx);
  });
}

/** An event and its JSON, serialised once when it was recorded. */
export interface StoredEvent {
  event: ExecutionEvent;
  json: string;
}

async function appendEventsIn(trx: Transaction<DatabaseSchema>, stored: readonly StoredEvent[]): Promise<void> {
  if (stored.length === 0) return;
  const events = stored.map((entry) => entry.event);
  {
    for (let start = 0; start < stored.length; start += 100) {
      const batch = stored.slice(start, start + 100);
      await trx
        .insertInto('execution_events')
        .values(batch.map(({ event, json }) => ({ execution_id: event.executionId, seq: event.seq, type: event.type, data: json })))
        .onConflict((conflict) => conflict.columns(['execution_id', 'seq']).doNothing())
        .execute();
    }
    const last = new Map<string, number>();
    for (const event of events) last.set(event.executionId, Math.max(last.get(event.executionId) ?? 0, event.seq));
    for (const [id, seq] of last) {
      await trx.updateTable('executions').set({ last_seq: seq }).where('id', '=', id).where('last_seq', '<', seq).execute();
    }
  }
}

export interface ExecutionResult {
  status: ExecutionStatus;
  pauseState?: unknown;
  output: unknown;
  finalOutput: unknown;
  usage: Usage;
  error: unknown;
  completedAt: string;
  durationMs: number;
}

export async function finishExecution(db: Database | Transaction<DatabaseSchema>, id: string, result: ExecutionResult): Promise<void> {
  await db
    .updateTable('executions')
    .set({
      status: result.status,
      output: toJson(result.output),
      final_output: toJson(result.finalOutput),
      usage: toJson(result.usage),
      error: result.error ? toJson(result.error) : null,
      completed_at: result.status === 'paused' ? null : result.completedAt,
      duration_ms: result.durationMs,
      pause_state: result.pauseState ? toJson(result.pauseState) : null,
    })
    .where('id', '=', id)
    .execute();
}

export async function getExecution(db: Database, scope: TenantScope, id: string, withSteps = false): Promise<ExecutionView | null> {
  const row = await db
    .selectFrom('executions')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  if (!row) return null;
  const view = toView(row);
  if (withSteps) {
    const steps = await db.selectFrom('execution_steps').selectAll().where('execution_id', '=', id).orderBy('step_index').execute();
    view.steps = steps.map((step) => ({
      index: step.step_index,
      stepId: step.step_id,
      stepType: step.step_type,
      status: step.status,
      result: fromJson(step.result),
      error: fromJson(step.error),
      usage: fromJson<Usage>(step.usage),
      startedAt: step.started_at,
      durationMs: step.duration_ms,
      toolCalls: fromJson(step.tool_calls),
    }));
  }
  return view;
}

export interface ListExecutionsQuery {
  status?: string;
  flowId?: string;
  limit: number;
  offset: number;
}

export async function listExecutions(
  db: Database,
  scope: TenantScope,
  query: ListExecutionsQuery,
): Promise<{ items: ExecutionView[]; total: number }> {
  let base = db.selectFrom('executions').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  if (query.status) base = base.where('status', '=', query.status);
  if (query.flowId) base = base.where('flow_id', '=', query.flowId);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
    base.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
  ]);
  return { items: rows.map(toView), total: Number(count?.count ?? 0) };
}

export async function readEvents(db: Database, executionId: string, afterSeq: number, limit: number): Promise<ExecutionEvent[]> {
  const rows = await db
    .selectFrom('execution_events')
    .select('data')
    .where('execution_id', '=', executionId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => JSON.parse(row.data) as ExecutionEvent);
}

function toView(row: {
  credits_used: number | null;
  id: string;
  status: string;
  kind: 'flow' | 'agent';
  agent: string | null;
  parent_execution_id: string | null;
  parent_tool_call_id: string | null;
  flow_id: string | null;
  flow_version_id: string | null;
  flow_name: string;
  record_id: string | null;
  dialect: string;
  input: string;
  output: string | null;
  final_output: string | null;
  usage: string | null;
  error: string | null;
  total_steps: number;
  last_seq: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
}): ExecutionView {
  return {
    id: row.id,
    kind: row.kind,
    agent: fromJson(row.agent),
    creditsUsed: Number(row.credits_used ?? 0),
    parentExecutionId: row.parent_execution_id,
    parentToolCallId: row.parent_tool_call_id,
    status: row.status as ExecutionStatus,
    flowId: row.flow_id,
    flowVersionId: row.flow_version_id,
    flowName: row.flow_name,
    recordId: row.record_id,
    dialect: row.dialect,
    input: fromJson(row.input),
    output: fromJson(row.output),
    finalOutput: fromJson(row.final_output),
    usage: fromJson<Usage>(row.usage),
    error: fromJson(row.error),
    totalSteps: row.total_steps,
    eventCount: row.last_seq,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    durationMs: row.duration_ms,
  };
}

/** The row behind an execution regardless of tenant, for resume's 403/404/409 decisions. */
export async function getExecutionRow(db: Database, id: string) {
  return db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The last checkpoint of each step of a run (what a resume needs to know about completed steps). */
export async function listStepCheckpoints(db: Database, executionId: string) {
  return db.selectFrom('execution_steps').selectAll().where('execution_id', '=', executionId).orderBy('step_index').execute();
}

/** Moves a paused execution back to running, once: false when another resume got there first. */
export async function claimPaused(db: Database, id: string): Promise<boolean> {
  const result = await db
    .updateTable('executions')
    .set({ status: 'running', pause_state: null })
    .where('id', '=', id)
    .where('status', '=', 'paused')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The executions a run started through its tools (flow tools, sub-agents), oldest first. */
export async function listChildExecutions(db: Database, parentId: string): Promise<ExecutionView[]> {
  const rows = await db.selectFrom('executions').selectAll().where('parent_execution_id', '=', parentId).orderBy('created_at').execute();
  return rows.map(toView);
}

export async function setExecutionMeta(db: Database, id: string, meta: Record<string, unknown>): Promise<void> {
  await db
    .updateTable('executions')
    .set({ meta: toJson(meta) })
    .where('id', '=', id)
    .execute();
}

export interface RunLogEntry {
  id: string;
  flowId: string | null;
  flowName: string;
  status: string;
  customerId: string | null;
  tags: string[];
  creditsUsed: number;
  usage: Usage | null;
  createdAt: string;
  durationMs: number | null;
  meta: Record<string, unknown> | null;
}

export interface RunLogQuery {
  flowId?: string;
  tag?: string;
  customerId?: string;
  status?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

function runFilters(db: Database, scope: TenantScope, query: Omit<RunLogQuery, 'limit' | 'offset'>) {
  let base = db.selectFrom('executions').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  if (query.flowId) base = base.where('flow_id', '=', query.flowId);
  if (query.customerId) base = base.where('customer_id', '=', query.customerId);
  if (query.status) base = base.where('status', '=', query.status);
  if (query.from) base = base.where('created_at', '>=', query.from);
  if (query.to) base = base.where('created_at', '<', query.to);
  // Tags are a JSON array of strings; matching the quoted tag finds it exactly.
  if (query.tag) base = base.where('tags', 'like', `%${JSON.stringify(query.tag).replace(/[%_]/g, '')}%`);
  return base;
}

export async function listRuns(db: Database, scope: TenantScope, query: RunLogQuery): Promise<{ items: RunLogEntry[]; total: number }> {
  const base = runFilters(db, scope, query);
  const [rows, count] = await Promise.all([
    base
      .select(['id', 'flow_id', 'flow_name', 'status', 'customer_id', 'tags', 'credits_used', 'usage', 'created_at', 'duration_ms', 'meta'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
  ]);
  return {
    total: Number(count?.count ?? 0),
    items: rows.map((row) => ({
      id: row.id,
      flowId: row.flow_id,
      flowName: row.flow_name,
      status: row.status,
      customerId: row.customer_id,
      tags: fromJson<string[]>(row.tags) ?? [],
      creditsUsed: Number(row.credits_used ?? 0),
      usage: fromJson<Usage>(row.usage),
      createdAt: row.created_at,
      durationMs: row.duration_ms,
      meta: fromJson(row.meta),
    })),
  };
}

/** Usage totals for a time range, grouped by customer or by tag (a run with several tags counts for each). */
export async function usageTotals(
  db: Database,
  scope: TenantScope,
  query: { from?: string; to?: string; groupBy: 'customer' | 'tag'; flowId?: string },
) {
  const rows = await runFilters(db, scope, query).select(['customer_id', 'tags', 'credits_used', 'usage']).execute();
  const totals = new Map<
    string,
    { key: string; runs: number; creditsUsed: number; costUsd: number; tokensIn: number; tokensOut: number; reasoningTokens: number }
  >();
  for (const row of rows) {
    const keys = query.groupBy === 'customer' ? [row.customer_id ?? '(none)'] : (fromJson<string[]>(row.tags) ?? ['(none)']);
    const usage = fromJson<Usage>(row.usage);
    for (const key of keys.length ? keys : ['(none)']) {
      const entry = totals.get(key) ?? { key, runs: 0, creditsUsed: 0, costUsd: 0, tokensIn: 0, tokensOut: 0, reasoningTokens: 0 };
      entry.runs++;
      entry.creditsUsed += Number(row.credits_used ?? 0);
      entry.costUsd = Math.round((entry.costUsd + (usage?.costUsd ?? 0)) * 1e9) / 1e9;
      entry.tokensIn += usage?.inputTokens ?? 0;
      entry.tokensOut += usage?.outputTokens ?? 0;
      entry.reasoningTokens += usage?.reasoningTokens ?? 0;
      totals.set(key, entry);
    }
  }
  return [...totals.values()].sort((a, b) => b.creditsUsed - a.creditsUsed || a.key.localeCompare(b.key));
}

export async function saveLoopJournal(
  db: Database | Transaction<DatabaseSchema>,
  executionId: string,
  stepId: string,
  state: unknown,
  now: string,
): Promise<void> {
  await db
    .insertInto('loop_journal')
    .values({ execution_id: executionId, step_id: stepId, state: toJson(state), updated_at: now })
    .onConflict((conflict) => conflict.columns(['execution_id', 'step_id']).doUpdateSet({ state: toJson(state), updated_at: now }))
    .execute();
}

export async function getLoopJournal(db: Database, executionId: string): Promise<Array<{ stepId: string; state: unknown }>> {
  const rows = await db.selectFrom('loop_journal').select(['step_id', 'state']).where('execution_id', '=', executionId).execute();
  return rows.map((row) => ({ stepId: row.step_id, state: fromJson(row.state) }));
}

/** Runs left `running` or `queued` by a process that stopped: what a starting server must pick up. */
export async function listInterruptedExecutions(db: Database) {
  return db.selectFrom('executions').selectAll().where('status', 'in', ['running', 'queued']).orderBy('created_at').execute();
}

/**
 * Counts one more attempt to continue an interrupted run that made no durable progress (`progress`: what it
 * had committed) since the last attempt; progress starts the count again. Returns the count including this one.
 */
export async function countRecoveryAttempt(db: Database, executionId: string, progress: string): Promise<number> {
  const row = await db
    .updateTable('executions')
    .set((eb) => ({
      recovery_attempts: eb
        .case()
        .when('recovery_progress', '=', progress)
        .then(eb('recovery_attempts', '+', 1))
        .else(1)
        .end(),
      recovery_progress: progress,
    }))
    .where('id', '=', executionId)
    .returning('recovery_attempts')
    .executeTakeFirst();
  return Number(row?.recovery_attempts ?? 0);
}

export async function lastStoredSeq(db: Database, executionId: string): Promise<number> {
  const row = await db
    .selectFrom('execution_events')
    .select((eb) => eb.fn.max('seq').as('max'))
    .where('execution_id', '=', executionId)
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

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

type ApprovalDbRow = Awaited<ReturnType<ReturnType<typeof approvalsOf>['executeTakeFirstOrThrow']>>;
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

export async function listApprovals(
  db: Database,
  scope: TenantScope,
  query: { status?: string; executionId?: string; limit: number },
): Promise<ApprovalRow[]> {
  let base = approvalsOf(db).where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  if (query.status) base = base.where('status', '=', query.status);
  if (query.executionId) base = base.where('execution_id', '=', query.executionId);
  return (await base.orderBy('created_at', 'desc').limit(query.limit).execute()).map(toApproval);
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

/** The execution an Idempotency-Key started within `windowMs`, if any. */
export async function findIdempotentExecution(
  db: Database,
  scope: TenantScope,
  key: string,
  now: number,
  windowMs: number,
): Promise<string | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['execution_id', 'created_at'])
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row || Number(row.created_at) < now - windowMs) return null;
  return row.execution_id;
}

/** Binds a key to an execution (replacing an expired binding). */
export async function rememberIdempotencyKey(
  db: Database,
  scope: TenantScope,
  key: string,
  executionId: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ tenant_id: scope.tenantId, mode: scope.mode, key, execution_id: executionId, created_at: now })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'mode', 'key']).doUpdateSet({ execution_id: executionId, created_at: now }))
    .execute();
}
