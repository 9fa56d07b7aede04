import type { Clock, Ids, MessageSender, ModelGateway, RecordStore, StepCheckpoint, ToolRunner } from '../engine/ports.js';
import type { RunFlowRequest } from '../engine/run-context.js';
import type { AssetPort } from '../engine/asset-port.js';
import { runFlow, type RunOutcome } from '../engine/run-flow.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database, StoreTransaction } from '../store/database.js';
import { recordChildCredits, settleExecution } from '../store/credits-repository.js';
import type { SecretVault } from '../queue/secret-vault.js';
import { createCreditMeter, createMeteredGateway, type CreditMeter } from './credit-meter.js';
import { insertApprovals } from '../store/approvals-repository.js';
import { saveLoopJournal } from '../store/checkpoints-repository.js';
import { finishExecution } from '../store/executions-repository.js';
import { saveStepCheckpoint } from '../store/checkpoints-repository.js';
import { createRecord, findRecord, getRecord, listRecords, updateRecord, updateRecordMetadata } from '../store/records-repository.js';
import type { EventBus } from '../queue/event-bus.js';
import type { EventWriter } from '../queue/event-writer.js';
import { buildSecretRedactor } from '../engine/secret-redactor.js';
import { FlowrunError } from '../protocol/errors.js';
import { emptyUsage } from '../protocol/usage.js';
import { createExecutionRecorder } from './execution-recorder.js';
import type { LeaseKeeper } from './leases.js';
import type { LimitSettings } from './limits.js';
import { runMetrics } from './run-metrics.js';
import { holdsLease } from '../store/leases-repository.js';
import { isLeaseLost, leaseLost } from '../queue/fencing.js';
import { waitForStoredOutcome } from './stored-outcome.js';
import { defaultCommitRetryMs, whileTransient } from '../queue/store-retry.js';

export interface RunJob {
  scope: TenantScope;
  request: RunFlowRequest;
  /** The last event number already stored (a resumed run continues after it). */
  lastSeq?: number;
  /** Persist the record's metadata after the run (stored records with autoAppendMetadata). */
  persistRecordMetadata: boolean;
  /** A child run (flow tool, sub-agent) spends from its root run's budget and is charged as part of it. */
  parentMeter?: CreditMeter;
  /** A fresh run's credits as its start stored them (its meter need not read them back); absent: read from its row. */
  credits?: { reserved: number; used: number };
}

export interface WorkerDeps {
  db: Database;
  bus: EventBus;
  writer: EventWriter<StoreTransaction>;
  models: ModelGateway;
  clock: Clock;
  ids: Ids;
  tools: ToolRunner;
  /** Email and SMS for the send-email and send-text steps. */
  messages?: MessageSender;
  /** Secrets of paused runs, kept in memory only: they are never stored. */
  pausedSecrets: Map<string, Record<string, string>>;
  /** The credit meter of every running run, by execution id, for the child runs its tools start. */
  meters: Map<string, CreditMeter>;
  /** Seals the secrets a run keeps on its row while it may still need them (FLOWRUN_SECRET_KEY). */
  vault: SecretVault;
  /** This process's leases on the runs it executes. */
  leases: LeaseKeeper;
  /** Stored files, for the asset steps. */
  assets?: AssetPort;
  /** The operator's limits: a paused run continued by the system (an approval's timeout) is admitted under them. */
  limits: LimitSettings;
  /** Told once a run's end (or pause) is committed: the one log line per run. */
  onRunEnded?: (executionId: string, outcome: RunOutcome) => void;
  /** How long a commit is tried again while the store is away (FLOWRUN_COMMIT_RETRY_MS). */
  commitRetryMs?: number;
  /** Told when this process finds another holds a run it was executing: it stopped and wrote nothing more. */
  onRunFenced?: (executionId: string) => void;
}

/**
 * The engine reports step failures as outcomes; this covers what it could not (an event that cannot be stored,
 * a failing checkpoint): the run ends failed with a small error event instead of staying `running` forever.
 */
function failedOutcome(caught: unknown, events: { emit: RunFlowDeps['events']['emit'] }, startedAt: number, now: number): RunOutcome {
  if (isLeaseLost(caught)) throw caught;
  const error = FlowrunError.isInstance(caught)
    ? { code: caught.code, message: caught.message }
    : { code: 'INTERNAL_ERROR' as const, message: 'the run stopped on an internal error' };
  const usage = emptyUsage();
  try {
    events.emit({ type: 'flow_error', error, durationMs: now - startedAt, usage, cancelled: false });
  } catch {
    // Nothing more can be told; the final state below still records the failure.
  }
  return {
    status: 'failed',
    finalOutput: null,
    output: {},
    usage,
    error,
    durationMs: now - startedAt,
    successfulSteps: 0,
    failedSteps: 1,
    skippedSteps: 0,
    recordMetadata: {},
    steps: [],
    warnings: [],
  };
}

type RunFlowDeps = Parameters<typeof runFlow>[0];

export function createRecordStore(deps: Pick<WorkerDeps, 'db' | 'ids' | 'clock' | 'commitRetryMs'>): RecordStore {
  const now = () => new Date(deps.clock.now()).toISOString();
  const retry = <T>(work: () => Promise<T>) => whileTransient(work, deps.commitRetryMs);
  return {
    get: (scope, id) => retry(() => getRecord(deps.db, scope, id)),
    find: (scope, type, name) => retry(() => findRecord(deps.db, scope, type, name)),
    create: (scope, record) => retry(() => createRecord(deps.db, scope, record, deps.ids.next('record'), now())),
    update: (scope, id, changes) => retry(() => updateRecord(deps.db, scope, id, changes, now())),
    list: (scope, query) => retry(() => listRecords(deps.db, scope, query)),
  };
}

/** Runs one job to its end: runs the engine (its start event marks it running), commits its events and final state. */
export async function executeRun(deps: WorkerDeps, job: RunJob, signal: AbortSignal): Promise<RunOutcome> {
  const { request } = job;
  const id = request.executionId;
  // Its lease is renewed while this process works on it (a child run is not queued in a scheduler).
  const release = deps.leases.hold(id);
  try {
    return await executeHeldRun(deps, job, signal);
  } finally {
    release();
  }
}

async function executeHeldRun(deps: WorkerDeps, job: RunJob, signal: AbortSignal): Promise<RunOutcome> {
  const { db, clock } = deps;
  const { request } = job;
  const id = request.executionId;
  // Secrets reach the model but never the store: what is persisted, like what is streamed, is redacted.
  const redactor = await buildSecretRedactor(Object.values(request.secrets));
  const { redact } = redactor;
  const events = createExecutionRecorder({
    executionId: id,
    lastSeq: job.lastSeq ?? 0,
    redactor,
    writer: deps.writer,
    now: clock.now,
    fence: deps.leases.owner,
    fenced: () => deps.leases.isLost(id),
  });
  const meter =
    job.parentMeter ??
    createCreditMeter({
      db,
      scope: job.scope,
      executionId: request.executionId,
      costSoFarUsd: request.resume?.usage.costUsd ?? 0,
      ...(job.credits && !request.resume ? { known: job.credits } : {}),
      owner: deps.leases.owner,
      retryMs: deps.commitRetryMs,
    });
  deps.meters.set(request.executionId, meter);
  const checkpoints = durableCheckpoints(deps, redact);
  const engine = {
    models: createMeteredGateway(deps.models, meter),
    clock,
    ids: deps.ids,
    events,
    checkpoints,
    tools: deps.tools,
    records: createRecordStore(deps),
    ...(deps.messages ? { messages: deps.messages } : {}),
    ...(deps.assets ? { assets: deps.assets } : {}),
  };
  const outcome = await runFlow(engine, request, signal)
    .catch((error: unknown) => failedOutcome(error, events, request.startedAt, clock.now()))
    .then(redact, (error: unknown) => (isLeaseLost(error) ? null : Promise.reject(error)))
    .finally(() => deps.meters.delete(request.executionId));
  if (!outcome) return fencedOut(deps, id);
  if (deps.leases.isLost(id)) return fencedOut(deps, id);
  if (outcome.status === 'paused') deps.pausedSecrets.set(request.executionId, request.secrets);
  else deps.pausedSecrets.delete(request.executionId);
  if (outcome.pause?.approvals.length) {
    const { stepId, approvals } = outcome.pause;
    await whileTransient(() => insertApprovals(db, job.scope, request.executionId, stepId, approvals, clock.now()), deps.commitRetryMs);
  }
  try {
    await commitEnd(deps, job, outcome, meter, checkpoints.takeHeld());
  } catch (error) {
    if (deps.leases.isLost(id) || isLeaseLost(error)) return fencedOut(deps, id);
    throw error;
  }
  runMetrics.ended(outcome.status);
  deps.onRunEnded?.(request.executionId, outcome);
  if (job.persistRecordMetadata && request.record.id) {
    const recordId = request.record.id;
    await whileTransient(
      () => updateRecordMetadata(db, job.scope, recordId, outcome.recordMetadata, new Date(clock.now()).toISOString()),
      deps.commitRetryMs,
    );
  }
  return outcome;
}

/**
 * Checkpoints that commit together with the events before them: a stored run never has a checkpoint whose
 * events are missing. What is stored is redacted.
 */
function durableCheckpoints(deps: WorkerDeps, redact: <T>(value: T) => T) {
  const { clock } = deps;
  const retryMs = deps.commitRetryMs ?? defaultCommitRetryMs;
  const held: StepCheckpoint[] = [];
  return {
    // Fenced: a process that lost the run's lease (it stalled past it and another took the run over) commits no
    // step of it; the new holder runs that step itself.
    saveStep: async (id: string, checkpoint: StepCheckpoint, options?: { last?: boolean }) => {
      if (options?.last) {
        // Committed with the run's end (commitEnd), one transaction fewer.
        held.push(redact(checkpoint));
        return;
      }
      const checkpoints = [...held.splice(0), redact(checkpoint)];
      await whileTransient(
        () =>
          deps.writer.flushWith(id, async (trx) => {
            if (!(await holdsLease(trx, id, deps.leases.owner))) throw leaseLost(id);
            for (const saved of checkpoints) await saveStepCheckpoint(trx, id, saved);
          }),
        retryMs,
      );
      for (const saved of checkpoints) runMetrics.step(saved);
    },
    /** The checkpoints held for the run's end: taken once. */
    takeHeld: (): StepCheckpoint[] => held.splice(0),
    saveLoop: (id: string, stepId: string, state: unknown) =>
      whileTransient(
        () =>
          deps.writer.flushWith(id, async (trx) => {
            // Fenced like a checkpoint: a process that lost the run journals no model turn, so calls no tool for it.
            if (!(await holdsLease(trx, id, deps.leases.owner))) throw leaseLost(id);
            await saveLoopJournal(trx, id, stepId, redact(state), new Date(clock.now()).toISOString());
          }),
        retryMs,
      ),
  };
}

/**
 * The end is one transaction: the last events, the credits (the reservation goes back, the cost so far is
 * charged, also on a pause; a child run's cost is its root's) and the final state. A crash leaves either all of
 * it or none (and a recovery).
 */
async function commitEnd(deps: WorkerDeps, job: RunJob, outcome: RunOutcome, meter: CreditMeter, held: StepCheckpoint[]): Promise<void> {
  const { request } = job;
  const now = new Date(deps.clock.now()).toISOString();
  let settled: Exclude<Awaited<ReturnType<typeof settleExecution>>, 'fenced'> | undefined;
  await whileTransient(
    () =>
      deps.writer.flushWith(request.executionId, async (trx) => {
        if (job.parentMeter) {
          if (!(await holdsLease(trx, request.executionId, deps.leases.owner))) throw leaseLost(request.executionId);
          await recordChildCredits(trx, request.executionId, outcome.usage.costUsd);
        } else {
          const entry = { id: deps.ids.next('ledger'), now };
          const owner = deps.leases.owner;
          const result = await settleExecution(
            trx,
            job.scope,
            request.executionId,
            outcome.usage.costUsd,
            entry,
            meter.unsettledCredits(),
            owner,
          );
          // The lease is checked in the settlement's own read.
          if (result === 'fenced') throw leaseLost(request.executionId);
          settled = result;
        }
        // The last step's checkpoint, held for this transaction (durableCheckpoints).
        for (const checkpoint of held) await saveStepCheckpoint(trx, request.executionId, checkpoint);
        await finishExecution(trx, request.executionId, {
          status: outcome.status,
          output: outcome.output,
          finalOutput: outcome.finalOutput,
          usage: outcome.usage,
          error: outcome.error,
          completedAt: now,
          durationMs: outcome.durationMs,
          pauseState: outcome.pause,
        });
      }),
    deps.commitRetryMs ?? defaultCommitRetryMs,
  );
  for (const checkpoint of held) runMetrics.step(checkpoint);
  // Read after the commit: in a shared transaction the balance is written last.
  if (settled) outcome.credits = { used: settled.creditsUsed, left: settled.creditsLeft.balance };
}

/**
 * A run this process lost to another (it stalled past its lease): nothing of this attempt is written; the caller
 * is answered with the run's end as its new holder stores it.
 */
async function fencedOut(deps: WorkerDeps, executionId: string): Promise<RunOutcome> {
  deps.writer.discard(executionId);
  deps.onRunFenced?.(executionId);
  return waitForStoredOutcome(deps, executionId);
}
