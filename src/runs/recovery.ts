import type { Logger } from 'pino';
import type { ErrorCode } from '../protocol/errors.js';
import { recordChildCredits, settleExecution } from '../store/credits-repository.js';
import { recorderForRow } from './recorder-for-row.js';
import { leaseLost } from '../queue/fencing.js';
import type { ResumeState } from '../engine/run-context.js';
import type { LoopState } from '../engine/tool-loop-state.js';
import type { ChatMessage, Step } from '../protocol/flow.js';
import { producesOutput, walkSteps } from '../engine/steps/registry.js';
import type { TenantScope } from '../protocol/tenant.js';
import { addUsage, emptyUsage, type Usage } from '../protocol/usage.js';
import { countRecoveryAttempt, finishExecution } from '../store/executions-repository.js';
import { holdsLease, lapsedRuns, leaseHolders, runsLeasedBy, takeOverLease } from '../store/leases-repository.js';
import { getLoopJournal, listStepCheckpoints } from '../store/checkpoints-repository.js';
import { lastStoredSeq } from '../store/events-repository.js';
import { fromJson } from '../store/json-column.js';
import { getRecord } from '../store/records-repository.js';
import type { RunJob, WorkerDeps } from './execute-run.js';
import { clientToolsOf } from './run-builder.js';
import { prepareRun } from './prepare-run.js';
import type { Scheduler } from './scheduler.js';

/** How many starts may try to continue one interrupted run before it is failed. */
export const maxRecoveryAttempts = 5;

export type { ExecutionRow } from '../store/executions-repository.js';
import type { ExecutionRow } from '../store/executions-repository.js';
type Row = ExecutionRow;

/**
 * Continues the runs whose lease has lapsed (their process stopped, or stopped renewing): on start, and every
 * sweep while the server runs, so a sibling's or a dead worker's runs go on here. Each is taken over by
 * compare-and-set on its lease, so of several processes that find it exactly one continues it. A run continues
 * from its last committed step: completed steps are not run again; a tool loop continues from its journal (its
 * completed tool calls are not run again); the step in flight at the crash, and its model call, run again. Runs
 * started by a tool of another run (flow tools, sub-agents) are not resumed on their own: the parent's tool call
 * runs again and starts a fresh child, so the orphan is marked failed.
 */
export async function recoverInterruptedRuns(
  deps: WorkerDeps,
  scheduler: Scheduler,
  logger: Logger,
  requeue?: (executionId: string) => Promise<boolean>,
): Promise<number> {
  let resumed = 0;
  let interrupted = 0;
  let requeued = 0;
  for (const row of await interruptedRows(deps)) {
    // A run still queued belongs in the queue (its job was lost with Redis): it goes back there, once, rather
    // than running here past the queue's order and concurrency.
    if (requeue && row.status === 'queued') {
      if (await requeue(row.id)) requeued++;
      continue;
    }
    const seen = { owner: row.lease_owner, expiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at) };
    if (!(await takeOverLease(deps.db, row.id, seen, deps.leases.lease()))) continue;
    interrupted++;
    if (await recoverRun(deps, scheduler, logger, row)) resumed++;
  }
  if (interrupted > 0 || requeued > 0) logger.info({ resumed, interrupted, requeued }, 'recovered interrupted runs');
  return resumed;
}

/**
 * The queued or running runs nobody works on: those of processes known to be gone, and every run whose own lease
 * expired (leases are renewed only for runs their process works on, so a live process's run that it keeps no
 * work for — its queue job lost, its end not committed after an outage — lapses too, this process's included).
 */
async function interruptedRows(deps: WorkerDeps): Promise<Row[]> {
  const rows = new Map<string, Row>();
  for (const holder of await leaseHolders(deps.db)) {
    if (holder.owner === deps.leases.owner || !deps.leases.lapsed(holder)) continue;
    for (const row of await runsLeasedBy(deps.db, holder.owner)) rows.set(row.id, row);
  }
  for (const row of await lapsedRuns(deps.db, deps.clock.now(), 500)) rows.set(row.id, row);
  return [...rows.values()].filter((row) => !deps.leases.holds(row.id));
}

/** Runs `recoverInterruptedRuns` every `intervalMs` (one sweep at a time). Returns the stop function. */
export function startRecoverySweep(
  deps: WorkerDeps,
  scheduler: Scheduler,
  logger: Logger,
  intervalMs: number,
  requeue?: (executionId: string) => Promise<boolean>,
): () => void {
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    recoverInterruptedRuns(deps, scheduler, logger, requeue)
      .catch((error: unknown) => logger.error({ err: error }, 'recovery sweep failed'))
      .finally(() => (sweeping = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Continues one interrupted run whose lease this process now holds; false when it is failed instead. */
async function recoverRun(deps: WorkerDeps, scheduler: Scheduler, logger: Logger, row: Row): Promise<boolean> {
  const job = await interruptedJob(deps, logger, row);
  if (!job) return false;
  void scheduler.submit(job).catch((error: unknown) => logger.error({ err: error, executionId: row.id }, 'recovered run failed'));
  return true;
}

/**
 * The job that continues an interrupted run from its last committed step, or null when the run is failed
 * instead (interrupted too often without progress, an orphaned child run, or not rebuildable).
 */
export async function interruptedJob(deps: WorkerDeps, logger: Logger, row: Row): Promise<RunJob | null> {
  try {
    // A run that brought down the process every time it was continued must not do so forever.
    const stored = { checkpoints: await listStepCheckpoints(deps.db, row.id), journal: await getLoopJournal(deps.db, row.id) };
    const progress = `${stored.checkpoints.length}:${JSON.stringify(stored.journal.map((entry) => entry.state)).length}`;
    const attempts = await countRecoveryAttempt(deps.db, row.id, progress);
    const spent = stored.checkpoints.reduce(
      (total, checkpoint) => addUsage(total, fromJson<Usage>(checkpoint.usage) ?? emptyUsage()),
      emptyUsage(),
    );
    if (attempts > maxRecoveryAttempts) {
      logger.error({ executionId: row.id, attempts }, 'run failed: it was interrupted on every attempt to continue it');
      await endUnrecovered(deps, row, spent, {
        code: 'RECOVERY_FAILED',
        message: `the server stopped ${attempts} times in a row while continuing this run without it making progress; it is not continued again`,
      });
      return null;
    }
    if (row.parent_execution_id || !row.flow_snapshot) {
      await endUnrecovered(deps, row, spent, {
        code: 'INTERRUPTED',
        message: 'the server stopped during this run; its parent run started it again',
      });
      return null;
    }
    return await rebuildJob(deps, row, stored);
  } catch (error) {
    logger.error({ err: error, executionId: row.id }, 'could not recover run');
    await endUnrecovered(deps, row, emptyUsage(), { code: 'RECOVERY_FAILED', message: (error as Error).message });
    return null;
  }
}

/**
 * Ends a run that is not continued, as any run ends: its last event (so its streams end), its credits settled (the
 * reservation goes back, what its committed steps spent is charged; a child run's cost is its root's) and its
 * final state, in one commit, fenced by the lease this process took over.
 */
async function endUnrecovered(deps: WorkerDeps, row: Row, usage: Usage, error: { code: ErrorCode; message: string }): Promise<void> {
  const now = new Date(deps.clock.now()).toISOString();
  const events = await recorderForRow(deps, row, deps.leases.owner);
  events.emit({ type: 'flow_error', error, durationMs: 0, usage, cancelled: false });
  const scope: TenantScope = { tenantId: row.tenant_id, mode: row.mode as TenantScope['mode'] };
  await deps.writer.flushWith(row.id, async (trx) => {
    if (!(await holdsLease(trx, row.id, deps.leases.owner))) throw leaseLost(row.id);
    if (row.parent_execution_id) await recordChildCredits(trx, row.id, usage.costUsd);
    else await settleExecution(trx, scope, row.id, usage.costUsd, { id: deps.ids.next('ledger'), now });
    await finishExecution(trx, row.id, {
      status: 'failed',
      output: null,
      finalOutput: null,
      usage,
      error,
      completedAt: now,
      durationMs: Number(row.duration_ms ?? 0),
    });
  });
}

async function rebuildJob(
  deps: WorkerDeps,
  row: Row,
  {
    checkpoints,
    journal,
  }: { checkpoints: Awaited<ReturnType<typeof listStepCheckpoints>>; journal: Awaited<ReturnType<typeof getLoopJournal>> },
): Promise<RunJob> {
  const completedStepIds = checkpoints.map((checkpoint) => checkpoint.step_id);
  const last = checkpoints.at(-1);
  const inFlight = journal.find((entry) => !completedStepIds.includes(entry.stepId));
  const usage = checkpoints.reduce((total, checkpoint) => addUsage(total, fromJson<Usage>(checkpoint.usage) ?? emptyUsage()), emptyUsage());
  const count = (status: string) => checkpoints.filter((checkpoint) => checkpoint.status === status).length;
  const resume: ResumeState = {
    completedStepIds,
    variables: fromJson<Record<string, unknown>>(last?.variables) ?? {},
    stepsRun: checkpoints.length + 1,
    pausedStepId: inFlight?.stepId ?? '',
    loop: (inFlight?.state ?? null) as LoopState | null,
    pending: [],
    toolOutputs: {},
    messages: [],
    usage,
    counters: { successful: count('completed'), failed: count('failed'), skipped: count('skipped') },
  };
  const job = await jobFromRow(deps, row, resume, deps.vault.open(row.secrets_sealed));
  resume.finalOutput = lastOutputOf(checkpoints, job.request.flow.steps);
  // Nothing of the run was stored (it was queued, or died before its first commit): it starts afresh, with its
  // start event, rather than continuing a run no client ever heard begin.
  if (job.lastSeq === 0 && checkpoints.length === 0 && journal.length === 0) {
    const { resume: _resume, ...request } = job.request;
    return { ...job, request: { ...request, source: sourceOf(row) } };
  }
  return job;
}

/** The result of the last completed step that produces output: what the run answers with if nothing follows. */
function lastOutputOf(checkpoints: Awaited<ReturnType<typeof listStepCheckpoints>>, steps: Step[]): unknown {
  const byId = new Map<string, Step>();
  walkSteps(steps, (step) => byId.set(step.id, step));
  for (const checkpoint of [...checkpoints].reverse()) {
    const step = byId.get(checkpoint.step_id);
    if (checkpoint.status === 'completed' && step && producesOutput(step)) return fromJson(checkpoint.result);
  }
  return null;
}

/** The source a run was started with, as its stored request says (for the start event of a run started after a crash). */
function sourceOf(row: Row): string {
  if (row.dialect === 'shuttle') return 'shuttle';
  if (row.kind === 'agent') return row.parent_execution_id ? 'subagent' : 'agent';
  const input = fromJson<{ options?: { flowMode?: string }; flow?: { id?: string; steps?: unknown } }>(row.input);
  const flowMode = input?.options?.flowMode ?? (input?.flow?.id && !input.flow.steps ? 'existing' : 'virtual');
  return flowMode === 'virtual' ? 'standalone' : 'api';
}

/**
 * Rebuilds a run's job from its row (flow snapshot, input, record) to continue it from `resume`: the row in the
 * admission pipeline's terms (its steps validated and its tools resolved again, no new row or reservation).
 */
export async function jobFromRow(deps: WorkerDeps, row: Row, resume: ResumeState, secrets: Record<string, string>): Promise<RunJob> {
  const scope: TenantScope = { tenantId: row.tenant_id, mode: row.mode as TenantScope['mode'] };
  if (!row.flow_snapshot) throw new Error(`execution ${row.id} has no flow snapshot to continue from`);
  const snapshot = fromJson<{ name: string; steps: unknown[] }>(row.flow_snapshot)!;
  const input = (fromJson<Record<string, any>>(row.input) ?? {}) as Record<string, any>;
  const shuttle = row.dialect === 'shuttle';
  const stored = row.record_id ? await getRecord(deps.db, scope, row.record_id) : null;
  const record = stored ?? {
    id: null,
    name: input.record?.name ?? snapshot.name,
    type: input.record?.type ?? 'default',
    metadata: input.record?.metadata ?? {},
    created: false,
  };
  const options = (input.options ?? {}) as Record<string, any>;
  const { job } = await prepareRun(deps, {
    executionId: row.id,
    scope,
    flow: { kind: 'steps', flow: { id: row.flow_id, name: snapshot.name, versionId: row.flow_version_id }, rawSteps: snapshot.steps },
    // The snapshot passed validation when the run was dispatched (with its conversation, if it had one).
    validation: { at: ['flow', 'steps'], conversation: true },
    record,
    inputs: shuttle ? (input.parameters ?? {}) : (input.inputs ?? {}),
    secrets,
    messages: (input.messages ?? []) as ChatMessage[],
    options: {
      modelOverride: options.modelOverride,
      autoAppendMetadata: options.autoAppendMetadata,
      strictVariables: options.strictVariables,
    },
    source: 'resumed',
    clientTools: clientToolsOf(input.clientTools),
    kind: row.kind,
    storedInput: input,
    dialect: row.dialect,
    persistRecordMetadata: record.id !== null && options.autoAppendMetadata === true,
    continuation: {
      resume,
      lastSeq: await lastStoredSeq(deps.db, row.id),
      ...(row.started_at ? { startedAt: Date.parse(row.started_at) } : {}),
    },
    credits: { promptChars: 0 },
  });
  return job;
}
