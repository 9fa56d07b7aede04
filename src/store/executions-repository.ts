import type { ExpressionBuilder, Selectable } from 'kysely';
import type { EventError } from '../protocol/execution-event.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Usage } from '../protocol/usage.js';
import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { runFilters } from './run-log-repository.js';
import { fromJson, toJson } from './json-column.js';

/** A stored execution, as the database has it. */
export type ExecutionRow = Selectable<DatabaseSchema['executions']>;

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
  /** The run's secrets, sealed by the secret vault (never in clear). */
  secretsSealed?: string | null;
  /** The process that will execute the run, and until when it holds it unless it renews (epoch ms). */
  lease?: RunLease;
  /** The API key that started it (its runs in flight are counted against the key's limit). */
  apiKeyId?: string | null;
}

export interface RunLease {
  owner: string;
  expiresAt: number;
}

export interface ExecutionStepView {
  index: number;
  toolCalls: unknown;
  stepId: string;
  stepType: string;
  /** completed, failed, skipped; denied or timeout for a step its approval stopped (`APPROVAL_DENIED`, `APPROVAL_TIMEOUT`). */
  status: string;
  result: unknown;
  error: unknown;
  usage: Usage | null;
  startedAt: string;
  /** When it ended: every stored step has ended (a step is stored once, when it completes, fails or is skipped). */
  completedAt: string;
  durationMs: number;
  /** The warnings of this step (also in the run's `warnings`). */
  warnings: RunWarningView[];
}

/** A run's error as stored: its `flow_error` event's (a type, not an interface, so it reads as a JSON object). */
type RunFailure = Pick<EventError, 'code' | 'message' | 'stepId'>;

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
  /** PromptShuttle's end customer (x-shuttle-customer-id), when the run had one. */
  customerId: string | null;
  tags: string[];
  dialect: string;
  input: unknown;
  output: unknown;
  finalOutput: unknown;
  usage: Usage | null;
  /** Why the run failed or was cancelled (what its `flow_error` event said); null otherwise. */
  error: RunFailure | null;
  totalSteps: number;
  eventCount: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  steps?: ExecutionStepView[];
  /**
   * What the run went without (an unreachable MCP server, a built-in tool that is not configured), the
   * `{{variables}}` that rendered as nothing and the config keys no step reads; each step lists its own too.
   */
  warnings?: RunWarningView[];
}

/** A warning event of a run, as its stored view lists it. */
export interface RunWarningView {
  code: string;
  message: string;
  setting?: string;
  stepId?: string;
  stepName?: string;
  /** The step's position in the run (its `index`), which its step view has too. */
  stepIndex?: number;
  variable?: string;
  field?: string;
  suggestion?: string;
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
      secrets_sealed: execution.secretsSealed ?? null,
      lease_owner: execution.lease?.owner ?? null,
      lease_expires_at: execution.lease?.expiresAt ?? null,
      api_key_id: execution.apiKeyId ?? null,
      created_at: execution.createdAt,
      started_at: null,
      completed_at: null,
      duration_ms: null,
    })
    .execute();
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
      // A paused run keeps its sealed secrets for its resume; an ended one never needs them again.
      ...(result.status === 'paused' ? {} : { secrets_sealed: null }),
      // Nobody executes it now: a resume takes a new lease.
      lease_owner: null,
      lease_expires_at: null,
    })
    .where('id', '=', id)
    .execute();
}

export async function getExecution(db: Database, scope: TenantScope, id: string, withSteps = false): Promise<ExecutionView | null> {
  const row = await db
    .selectFrom('executions')
    .selectAll()
    .select(eventCount)
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  if (!row) return null;
  const view = toView(row);
  if (withSteps) {
    const steps = await db.selectFrom('execution_steps').selectAll().where('execution_id', '=', id).orderBy('step_index').execute();
    view.warnings = await listRunWarnings(db, id);
    view.steps = steps.map((step) => toStepView(step, view.warnings!));
  }
  return view;
}

/** A run's warning events, in order: what it went without, kept with the run. */
export async function listRunWarnings(db: Database, executionId: string): Promise<RunWarningView[]> {
  const rows = await db
    .selectFrom('execution_events')
    .select('data')
    .where('execution_id', '=', executionId)
    .where('type', '=', 'warning')
    .orderBy('seq')
    .execute();
  return rows.map((row) => {
    const data = JSON.parse(row.data) as RunWarningView & { index?: number };
    const picked = {
      code: data.code,
      message: data.message,
      setting: data.setting,
      stepId: data.stepId,
      stepName: data.stepName,
      stepIndex: data.index,
      variable: data.variable,
      field: data.field,
      suggestion: data.suggestion,
    };
    return Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined)) as unknown as RunWarningView;
  });
}

/** A step stopped by an approver's decision reads as that decision, not as a fault (the run's error has the code). */
const decidedStatus: Record<string, string> = { APPROVAL_DENIED: 'denied', APPROVAL_TIMEOUT: 'timeout' };

function toStepView(step: Selectable<DatabaseSchema['execution_steps']>, warnings: RunWarningView[]): ExecutionStepView {
  const error = fromJson<{ code?: string }>(step.error);
  return {
    index: step.step_index,
    stepId: step.step_id,
    stepType: step.step_type,
    status: step.status === 'failed' ? (decidedStatus[error?.code ?? ''] ?? 'failed') : step.status,
    result: fromJson(step.result),
    error,
    usage: fromJson<Usage>(step.usage),
    startedAt: step.started_at,
    completedAt: new Date(Date.parse(step.started_at) + Number(step.duration_ms)).toISOString(),
    durationMs: step.duration_ms,
    toolCalls: fromJson(step.tool_calls),
    warnings: warnings.filter((warning) => warning.stepIndex === step.step_index),
  };
}

/**
 * How many events a run has stored: the highest sequence number, read from the events' primary key. (Keeping a
 * count on the run's row cost an update of that row, a rewrite of all of it, with every group commit.)
 */
const eventCount = (eb: ExpressionBuilder<DatabaseSchema, 'executions'>) =>
  eb
    .selectFrom('execution_events')
    .select((inner) => inner.fn.max('execution_events.seq').as('seq'))
    .whereRef('execution_events.execution_id', '=', 'executions.id')
    .as('event_count');

export interface ListExecutionsQuery {
  status?: string;
  flowId?: string;
  tag?: string;
  customerId?: string;
  /** Created at or after (ISO 8601). */
  from?: string;
  /** Created before (ISO 8601). */
  to?: string;
  limit: number;
  offset: number;
}

export async function listExecutions(
  db: Database,
  scope: TenantScope,
  query: ListExecutionsQuery,
): Promise<{ items: ExecutionView[]; total: number }> {
  const base = runFilters(db, scope, query);
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .select(eventCount)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
  ]);
  return { items: rows.map(toView), total: Number(count?.count ?? 0) };
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
  customer_id: string | null;
  tags: string | null;
  dialect: string;
  input: string;
  output: string | null;
  final_output: string | null;
  usage: string | null;
  error: string | null;
  total_steps: number;
  event_count: number | null;
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
    customerId: row.customer_id,
    tags: fromJson<string[]>(row.tags) ?? [],
    dialect: row.dialect,
    input: fromJson(row.input),
    output: fromJson(row.output),
    finalOutput: fromJson(row.final_output),
    usage: fromJson<Usage>(row.usage),
    error: fromJson<RunFailure>(row.error),
    totalSteps: row.total_steps,
    eventCount: Number(row.event_count ?? 0),
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

/** The last stored event's number and whether a cancel was asked for, in one statement (a worker taking a run). */
export async function progressOfRun(db: Database, id: string): Promise<{ lastSeq: number; cancelRequested: boolean }> {
  const row = await db
    .selectFrom('executions')
    .select((eb) => [
      'cancel_requested_at',
      eb
        .selectFrom('execution_events')
        .select((inner) => inner.fn.max('seq').as('max'))
        .where('execution_id', '=', id)
        .as('last_seq'),
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  return { lastSeq: Number(row?.last_seq ?? 0), cancelRequested: row?.cancel_requested_at != null };
}

/**
 * Records that a cancel of a queued or running run was asked for: whoever picks the run up, or holds it, ends it
 * as cancelled (the message that tells the holder at once may be lost, or reach no one while the run is queued).
 * False when the run is no longer queued or running.
 */
export async function requestCancel(db: Database, id: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('executions')
    .set({ cancel_requested_at: at })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Moves a paused execution back to running, once, leased to `lease`'s owner: false when another resume got there first. */
export async function claimPaused(db: Database, id: string, lease?: RunLease): Promise<boolean> {
  const result = await db
    .updateTable('executions')
    .set({ status: 'running', pause_state: null, lease_owner: lease?.owner ?? null, lease_expires_at: lease?.expiresAt ?? null })
    .where('id', '=', id)
    .where('status', '=', 'paused')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The executions a run started through its tools (flow tools, sub-agents), oldest first. */
export async function listChildExecutions(db: Database, parentId: string): Promise<ExecutionView[]> {
  const rows = await db
    .selectFrom('executions')
    .selectAll()
    .select(eventCount)
    .where('parent_execution_id', '=', parentId)
    .orderBy('created_at')
    .execute();
  return rows.map(toView);
}

export async function setExecutionMeta(db: Database, id: string, meta: Record<string, unknown>): Promise<void> {
  await db
    .updateTable('executions')
    .set({ meta: toJson(meta) })
    .where('id', '=', id)
    .execute();
}

/** The metadata a run keeps beside its row (a PromptShuttle run keeps its response document there). */
export async function getExecutionMeta<T = Record<string, unknown>>(db: Database, id: string): Promise<T | null> {
  const row = await db.selectFrom('executions').select('meta').where('id', '=', id).executeTakeFirst();
  return fromJson<T>(row?.meta);
}

/** Records a run answered without running (a PromptShuttle cache hit): completed at once, at no cost. */
export async function completeWithoutCost(db: Database, id: string, completedAt: string, durationMs: number): Promise<void> {
  await db
    .updateTable('executions')
    .set({
      status: 'completed',
      credits_used: 0,
      completed_at: completedAt,
      duration_ms: durationMs,
      usage: toJson({ inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0 }),
    })
    .where('id', '=', id)
    .execute();
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

export interface StoredArtifact {
  id: string;
  artifactType: 'markdown' | 'component';
  title: string;
  content: string;
  component?: string;
  props?: Record<string, unknown>;
  toolCallId: string;
  stepId: string;
  complete: boolean;
  createdAt: string;
}

/** A run's artifacts, rebuilt from its stored artifact events (the events are the record; nothing is kept twice). */
export async function listArtifacts(db: Database, executionId: string): Promise<StoredArtifact[]> {
  const rows = await db
    .selectFrom('execution_events')
    .select(['type', 'data'])
    .where('execution_id', '=', executionId)
    .where('type', 'in', ['artifact_start', 'artifact_delta', 'artifact_update', 'artifact_complete'])
    .orderBy('seq')
    .execute();
  const artifacts = new Map<string, StoredArtifact>();
  for (const row of rows) {
    const event = JSON.parse(row.data) as Record<string, any>;
    const artifact = artifacts.get(event.artifactId);
    if (row.type === 'artifact_start') {
      artifacts.set(event.artifactId, {
        id: event.artifactId,
        artifactType: event.artifactType,
        title: event.title,
        content: '',
        ...(event.component ? { component: event.component } : {}),
        toolCallId: event.toolCallId,
        stepId: event.stepId,
        complete: false,
        createdAt: event.at,
      });
    } else if (artifact && row.type === 'artifact_delta') artifact.content += event.delta;
    else if (artifact && row.type === 'artifact_update') Object.assign(artifact, { component: event.component, props: event.props });
    else if (artifact) artifact.complete = true;
  }
  return [...artifacts.values()];
}
