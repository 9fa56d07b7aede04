import type { Logger } from 'pino';
import { describeDatabase, requireSealingKey, type Config } from './config.js';
import { startApprovalSweeper } from './runs/approval-sweeper.js';
import { executeRun } from './runs/execute-run.js';
import { recoverInterruptedRuns, startRecoverySweep } from './runs/recovery.js';
import { createRedisRelay } from './queue/redis-relay.js';
import { startQueueWorker } from './runs/run-queue.js';
import { createInProcessScheduler } from './runs/scheduler.js';
import { createRuntime, redisError, relayedScheduler } from './runtime.js';
import { startWorkerHttp } from './worker-http.js';
import { runMetricsRegistry } from './runs/run-metrics.js';
import { modelMetricsRegistry } from './providers/model-metrics.js';

export interface RunningWorker {
  /** Finishes the runs in flight (bounded by FLOWRUN_SHUTDOWN_TIMEOUT_MS), hands back the rest, and closes. */
  close(): Promise<void>;
}

/**
 * `flowrun worker`: executes runs from the BullMQ queue (FLOWRUN_REDIS_URL), FLOWRUN_WORKER_CONCURRENCY at once,
 * publishing their committed events over Redis for the API processes that stream them. Any number of workers
 * on any number of machines share one queue and one store (PostgreSQL, or one SQLite file on one machine).
 */
export async function startWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  if (!config.redisUrl) throw new Error('flowrun worker takes its runs from a queue: set FLOWRUN_REDIS_URL');
  requireSealingKey(config);
  const relay = createRedisRelay(config.redisUrl, config.redisPrefix, redisError(logger));
  const runtime = await createRuntime(config, logger, relay);
  const { workerDeps } = runtime;
  const local = relayedScheduler(
    createInProcessScheduler((job, signal) => executeRun(workerDeps, job, signal), {
      concurrency: config.workerConcurrency,
      hold: (executionId) => runtime.leases.hold(executionId),
    }),
    relay,
  );
  runtime.onRunFailed((executionId) => void local.cancel(executionId));
  runtime.leases.onCancelRequested((executionId) => void local.cancel(executionId));
  // A run another worker took over (this one stalled past its lease) stops here at once and writes nothing more.
  runtime.leases.onLost((executionId) => void local.cancel(executionId));
  const queue = startQueueWorker({ url: config.redisUrl, prefix: config.redisPrefix }, workerDeps, local, {
    concurrency: config.workerConcurrency,
    leaseMs: config.leaseMs,
    logger,
  });
  // Runs whose process died without a queue job to bring them back (the queue lost it) are looked for here too;
  // the lease decides who continues each.
  // A run the store has as queued but the queue lost (Redis restarted empty) is put back in the queue.
  await recoverInterruptedRuns(workerDeps, local, logger, queue.requeue);
  const stopRecovery = startRecoverySweep(workerDeps, local, logger, config.recoverySweepMs, queue.requeue);
  const stopSweeper = startApprovalSweeper(workerDeps, local, logger, config.approvalSweepMs, { timeouts: false });
  const http =
    config.workerPort !== undefined
      ? await startWorkerHttp({
          host: config.host,
          port: config.workerPort,
          db: runtime.db,
          redisPing: () => relay.ping!(),
          activeRuns: () => local.activeCount(),
          registries: [runMetricsRegistry, modelMetricsRegistry],
          ...(config.metricsToken ? { token: config.metricsToken } : {}),
        })
      : undefined;
  logger.info(
    { concurrency: config.workerConcurrency, database: describeDatabase(config), instance: runtime.leases.owner, url: http?.url },
    'flowrun worker started',
  );
  let closing: Promise<void> | null = null;
  return {
    close: () =>
      (closing ??= (async () => {
        stopRecovery();
        stopSweeper();
        const finished = await queue.close(config.shutdownTimeoutMs);
        await http?.close();
        if (!finished) logger.warn({ active: local.activeCount() }, 'shutdown timeout: runs still active are handed back');
        await runtime.close();
      })()),
  };
}
