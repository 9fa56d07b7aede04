import { DelayedError, Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';

import type { Logger } from 'pino';
import type { RunOutcome } from '../engine/run-flow.js';
import { decideApproval } from '../store/approvals-repository.js';
import type { Database } from '../store/database.js';
import { getExecutionRow, progressOfRun } from '../store/executions-repository.js';
import { takeOverLease } from '../store/leases-repository.js';
import { outcomeOfRow, waitForStoredOutcome } from './stored-outcome.js';
import type { EventRelay } from '../queue/event-relay.js';
import type { RunJob, WorkerDeps } from './execute-run.js';
import { continueDecidedRun } from './approval-sweeper.js';
import { interruptedJob } from './recovery.js';
import type { Scheduler } from './scheduler.js';

/**
 * Scheduling on Redis with BullMQ (FLOWRUN_REDIS_URL): API processes enqueue runs and wait for their outcome;
 * `flowrun worker` processes execute them. A job carries the run's job with its secrets sealed by the secret
 * vault (FLOWRUN_SECRET_KEY), never in clear. A worker that dies leaves its job to BullMQ's stalled-job check
 * (the job's lock lapses after FLOWRUN_LEASE_MS) and another worker continues the run from its last committed
 * step; the run's lease in the store decides which process may write it. Approval timeouts are delayed jobs.
 */

export interface QueueSettings {
  url: string;
  /** Key prefix of every queue key (several clusters, or test runs, can share one Redis). */
  prefix: string;
}

type RunData = { kind: 'run'; job: RunJob; sealedSecrets: string | null; from: string };
/** A run the store has as queued but the queue had lost (Redis restarted empty): it is rebuilt from its row. */
type RecoverData = { kind: 'recover'; executionId: string };
type TimeoutData = { kind: 'approval-timeout'; approvalId: string; executionId: string };
type QueueData = RunData | RecoverData | TimeoutData;

const queueName = 'runs';
/** Connection options from a redis:// URL: BullMQ then opens (and closes) its connections itself. */
function connect(url: string): ConnectionOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
const jobIdOf = (job: RunJob): string => (job.request.resume ? `${job.request.executionId}-${job.lastSeq ?? 0}` : job.request.executionId);
const kept = { removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 24 * 3600 } };
/**
 * A run's job is removed when it completes: the store has the run's end (a job delivered again after it reads it
 * there), and keeping finished jobs cost each run the commands that trim the completed set (issue 27).
 */
const runJobKept = { removeOnComplete: true, removeOnFail: { age: 24 * 3600 } };

/** The API side: runs are enqueued and their outcome awaited through the queue's completion events. */
export async function createQueueScheduler(
  settings: QueueSettings,
  deps: { relay: EventRelay; seal: (secrets: Record<string, string>) => string | null; owner: string; db: Database },
): Promise<Scheduler & { close(): Promise<void>; depth(): Promise<Record<string, number>> }> {
  const queue = new Queue<QueueData>(queueName, { connection: connect(settings.url), prefix: settings.prefix });
  const events = new QueueEvents(queueName, { connection: connect(settings.url), prefix: settings.prefix });
  await events.waitUntilReady();
  let active = 0;
  const idle = new Set<() => void>();
  return {
    async submit(job) {
      active++;
      try {
        // The caller follows the run already; its subscription must stand before the first event can be published.
        await deps.relay.ready(job.request.executionId);
        const { secrets, ...request } = job.request;
        const data: RunData = {
          kind: 'run',
          job: { ...job, request: { ...request, secrets: {} } },
          sealedSecrets: deps.seal(secrets),
          from: deps.owner,
        };
        const added = await queue.add('run', data, { jobId: jobIdOf(job), ...runJobKept });
        // The store has the last word: a job the queue lost (Redis restarted empty) is brought back by a worker's
        // sweep under another id, and its end is read from the store.
        return await Promise.race([
          added.waitUntilFinished(events) as Promise<RunOutcome>,
          waitForStoredOutcome(deps, job.request.executionId, 2000),
        ]);
      } finally {
        active--;
        if (active === 0) for (const resolve of idle) resolve();
      }
    },
    cancel(executionId) {
      deps.relay.cancel(executionId);
      return true;
    },
    activeCount: () => active,
    holds: () => false,
    async drain(timeoutMs) {
      if (active === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        new Promise<boolean>((resolve) => idle.add(() => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      return done;
    },
    depth: () => queue.getJobCounts('waiting', 'active', 'delayed'),
    async close() {
      await Promise.allSettled([events.close(), queue.close()]);
    },
  };
}

/** The worker side: takes run jobs and approval timeouts from the queue and executes them with `local`. */
export function startQueueWorker(
  settings: QueueSettings,
  deps: WorkerDeps,
  local: Scheduler,
  options: { concurrency: number; leaseMs: number; logger: Logger },
): {
  close(timeoutMs: number): Promise<boolean>;
  depth(): Promise<Record<string, number>>;
  requeue(executionId: string): Promise<boolean>;
} {
  const queue = new Queue<QueueData>(queueName, { connection: connect(settings.url), prefix: settings.prefix });
  const afterRun = async (outcome: RunOutcome, executionId: string): Promise<void> => {
    // Each approval that can time out gets a delayed job, not a timer in this process.
    for (const approval of outcome.status === 'paused' ? (outcome.pause?.approvals ?? []) : []) {
      if (!approval.timeoutMs) continue;
      const data: TimeoutData = { kind: 'approval-timeout', approvalId: approval.approvalId, executionId };
      await queue.add('approval-timeout', data, { delay: approval.timeoutMs, jobId: `timeout-${approval.approvalId}`, ...kept });
    }
  };
  const handle = async (job: Job<QueueData>, token?: string): Promise<RunOutcome | null> => {
    if (job.data.kind === 'approval-timeout') return timeOut(deps, local, job.data, afterRun);
    const outcome = await runJob(deps, local, job, token, options.logger);
    await afterRun(outcome, job.data.kind === 'run' ? job.data.job.request.executionId : job.data.executionId);
    return outcome;
  };
  const worker = new Worker<QueueData>(queueName, handle, {
    connection: connect(settings.url),
    prefix: settings.prefix,
    concurrency: options.concurrency,
    // A job whose worker stops renewing its lock is stalled after this, and handed to another worker.
    lockDuration: options.leaseMs,
    stalledInterval: Math.max(1000, Math.floor(options.leaseMs / 2)),
    maxStalledCount: 10,
  });
  worker.on('error', (error) => options.logger.error({ err: error }, 'queue worker error'));
  return {
    depth: () => queue.getJobCounts('waiting', 'active', 'delayed'),
    requeue: (executionId) => ensureQueued(queue, executionId),
    async close(timeoutMs) {
      // Finish the runs in flight (bounded); what is left goes back to the queue once its lock lapses.
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        worker.close().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (!finished) await worker.close(true);
      await queue.close();
      return finished;
    },
  };
}

/** Executes one run job: takes the run's lease (or waits for it), rebuilds what a crash left, and runs it. */
async function runJob(
  deps: WorkerDeps,
  local: Scheduler,
  job: Job<QueueData>,
  token: string | undefined,
  logger: Logger,
): Promise<RunOutcome> {
  const data = job.data as RunData | RecoverData;
  const id = data.kind === 'run' ? data.job.request.executionId : data.executionId;
  const row = await getExecutionRow(deps.db, id);
  if (!row) throw new UnrecoverableError(`run ${id} does not exist`);
  // Delivered again after it ended (its worker died between the end and the acknowledgement): the stored end.
  if (!['queued', 'running'].includes(row.status)) return outcomeOfRow(deps, row);
  const seen = { owner: row.lease_owner, expiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at) };
  const mine = seen.owner === deps.leases.owner;
  const free = !mine && ((data.kind === 'run' && seen.owner === data.from) || deps.leases.lapsed(seen));
  if ((mine && local.holds(id)) || (!mine && (!free || !(await takeOverLease(deps.db, id, seen, deps.leases.lease()))))) {
    // Another live process (or this one's recovery sweep) runs it already: look again in a second.
    await job.moveToDelayed(Date.now() + 1000, token);
    throw new DelayedError();
  }
  // The run went further than the job knew (a worker died in it), or the job was lost and is rebuilt: it
  // continues from its last committed step (or starts, if nothing of it was stored).
  // Read after the lease is taken, in one statement: how far the stored log goes, and whether a cancel was asked.
  const after = await progressOfRun(deps.db, id);
  const progressed = data.kind === 'recover' || after.lastSeq > (data.job.lastSeq ?? 0);
  const runnable =
    data.kind === 'recover' || progressed
      ? await interruptedJob(deps, logger, row)
      : { ...data.job, request: { ...data.job.request, secrets: deps.vault.open(data.sealedSecrets) } };
  if (!runnable) return outcomeOfRow(deps, (await getExecutionRow(deps.db, id))!);
  // A cancel asked for while the run was queued (recorded in the store; its message reached no one): the run is
  // ended as cancelled before its first step, through the same end as any cancel. Read after the lease is taken;
  // a cancel recorded later reaches the holder by message, or by the lease keeper's check.
  const cancelled = after.cancelRequested;
  const running = local.submit(runnable);
  if (cancelled) local.cancel(id);
  return running;
}

async function timeOut(
  deps: WorkerDeps,
  local: Scheduler,
  data: TimeoutData,
  afterRun: (outcome: RunOutcome, executionId: string) => Promise<void>,
): Promise<null> {
  const now = deps.clock.now();
  if (!(await decideApproval(deps.db, data.approvalId, 'timeout', 'system', 'no decision before the timeout', new Date(now).toISOString())))
    return null;
  const outcome = await continueDecidedRun(deps, local, data.executionId);
  if (outcome) await afterRun(outcome, data.executionId);
  return null;
}

/**
 * Makes sure a run the store has as queued is in the queue: the job that carries it is waiting, active or
 * delayed, or a recover job is added under the run's own id (so asking again adds nothing twice). True when
 * it was added. A finished job of a run still queued (failed on an outage) is replaced.
 */
async function ensureQueued(queue: Queue<QueueData>, executionId: string): Promise<boolean> {
  const existing = await queue.getJob(executionId);
  if (existing) {
    const state = await existing.getState();
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await existing.remove().catch(() => undefined);
  }
  const data: RecoverData = { kind: 'recover', executionId };
  await queue.add('recover', data, { jobId: executionId, ...kept });
  return true;
}
