import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactUrlsIn } from './protocol/redact-url.js';
import { createApp, type RouteEntry } from './api/app.js';
import type { AppDeps } from './api/app-deps.js';
import { executeRun } from './runs/execute-run.js';
import { recoverInterruptedRuns, startRecoverySweep } from './runs/recovery.js';
import { startApprovalSweeper } from './runs/approval-sweeper.js';
import { createInProcessScheduler, type Scheduler } from './runs/scheduler.js';
import type { EventRelay } from './queue/event-relay.js';
import { createStore } from './store/store.js';
import { schemaStatus } from './store/database.js';
import { createRuns } from './runs/runs.js';
import { runMetricsRegistry } from './runs/run-metrics.js';
import { modelMetricsRegistry } from './providers/model-metrics.js';
import { Config, describeDatabase, requireSealingKey } from './config.js';
import { createMemoryRateLimiter, createStoreRateLimiter, type RateLimiter } from './queue/rate-limiter.js';
import { createRuntime, redisError, relayedScheduler, type Runtime } from './runtime.js';
import { hasApiKeys } from './store/keys-repository.js';
import { packageVersion } from './version.js';

export { openDatabase, readConfig, type Config } from './config.js';

/**
 * The process's logger. Known secret fields are censored; every URL in a message or an error (a database, Redis,
 * MCP or tool URL in a driver's error) loses its userinfo and query values, as error answers do. It writes to
 * stdout unless given another destination.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.secrets', '*.apiKey', '*.key'], censor: '[REDACTED]' },
    serializers: { err: serializeError },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactUrlsIn(arg) : arg)) as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

function serializeError(error: Error): ReturnType<typeof pino.stdSerializers.err> {
  const serialized = pino.stdSerializers.err(error);
  if (typeof serialized.message === 'string') serialized.message = redactUrlsIn(serialized.message);
  if (typeof serialized.stack === 'string') serialized.stack = redactUrlsIn(serialized.stack);
  return serialized;
}

export interface RunningServer {
  url: string;
  /** Whether the store holds any API key yet (the start banner says how to create the first). */
  hasKeys: boolean;
  /** Every registered route and who may call it. */
  routes: RouteEntry[];
  /** Sends a request through the app without a socket (Fastify's inject), for route tests. */
  inject(request: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer;
  }): Promise<{ statusCode: number; headers: Record<string, string | string[] | number | undefined>; body: string }>;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** How this process reaches the others that share its store (`serve --workers N`, Redis); none when alone. */
  relay?: EventRelay;
}

/** Opens the store, wires every adapter and starts listening. */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  options: ServerOptions = {},
): Promise<RunningServer> {
  requireSealingKey(config);
  // Redis, BullMQ and their clients are loaded only when clustered.
  const redis = config.redisUrl
    ? {
        url: config.redisUrl,
        ...(await import('./queue/redis-relay.js')),
        ...(await import('./runs/run-queue.js')),
        ...(await import('./queue/redis-rate-limiter.js')),
      }
    : undefined;
  const relay = options.relay ?? (redis ? redis.createRedisRelay(redis.url, config.redisPrefix, redisError(logger)) : undefined);
  const runtime = await createRuntime(config, logger, relay);
  const { db, leases, bus, clock, ids, workerDeps } = runtime;
  const { queue, scheduler } = await schedulerOf(config, runtime, redis, relay);
  const rateLimiter = redis
    ? redis.createRedisRateLimiter(redis.url, config.redisPrefix, redisError(logger))
    : relay
      ? createStoreRateLimiter(db, clock.now)
      : createMemoryRateLimiter();
  const app = createApp({
    store: createStore(db),
    runs: createRuns(workerDeps, { initialCredits: config.initialCredits }),
    rateLimiter,
    vault: runtime.vault,
    assets: runtime.assets,
    ...(relay ? { keyRevocations: relay } : {}),
    readiness: { schema: () => schemaStatus(db), ...(relay?.ping ? { redis: () => relay.ping!() } : {}) },
    metrics: {
      registries: [runMetricsRegistry, modelMetricsRegistry],
      sandbox: () => runtime.sandbox.usage(),
      ...(queue ? { queueDepth: queue.depth } : {}),
    },
    bus,
    scheduler,
    models: workerDeps.models,
    catalogModels: runtime.catalogModels,
    clock,
    ids,
    logger,
    settings: { ...appSettings(config), instance: leases.owner.split(':').at(-1)!, version: packageVersion() },
  });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url, database: describeDatabase(config) }, 'flowrun listening');
  // Runs are continued where they execute: here when embedded, in the workers when clustered.
  if (!queue) await recoverInterruptedRuns(workerDeps, scheduler, logger);
  const stopRecovery = queue ? () => undefined : startRecoverySweep(workerDeps, scheduler, logger, config.recoverySweepMs);
  const stopSweeper = queue ? () => undefined : startApprovalSweeper(workerDeps, scheduler, logger, config.approvalSweepMs);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= shutdown(config, logger, { stopSweeper, stopRecovery, app, scheduler, runtime, closeQueue: queue?.close, rateLimiter }));
  return {
    url,
    hasKeys: await hasApiKeys(db),
    close,
    routes: app.routeTable,
    inject: async (request) => {
      const response = await app.inject({ ...request, method: request.method as 'GET' });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    },
  };
}

/** Where this process's runs go: clustered (FLOWRUN_REDIS_URL), a queue the workers take from; else run here. */
async function schedulerOf(
  config: Config,
  runtime: Awaited<ReturnType<typeof createRuntime>>,
  redis: { url: string; createQueueScheduler: typeof import('./runs/run-queue.js').createQueueScheduler } | undefined,
  relay: EventRelay | undefined,
) {
  const { vault, leases, workerDeps } = runtime;
  // Clustered (FLOWRUN_REDIS_URL), this process accepts and enqueues; `flowrun worker` processes execute.
  const queue =
    redis && relay
      ? await redis.createQueueScheduler(
          { url: redis.url, prefix: config.redisPrefix },
          { relay, seal: vault.seal, owner: leases.owner, db: runtime.db },
        )
      : undefined;
  const scheduler =
    queue ??
    relayedScheduler(
      createInProcessScheduler((job, signal) => executeRun(workerDeps, job, signal), {
        concurrency: config.concurrency,
        hold: (executionId) => leases.hold(executionId),
      }),
      relay,
    );
  runtime.onRunFailed((executionId) => void scheduler.cancel(executionId));
  // A queued run's recorded cancel is honoured by the worker that picks it up; runs executed here are stopped here.
  if (!queue) leases.onCancelRequested((executionId) => void scheduler.cancel(executionId));
  if (!queue) leases.onLost((executionId) => void scheduler.cancel(executionId));
  return { queue, scheduler };
}

/** Stops accepting, lets running streams finish (bounded), then commits what is left and closes the store. */
async function shutdown(
  config: Config,
  logger: Logger,
  parts: {
    stopSweeper: () => void;
    stopRecovery: () => void;
    app: { close(): Promise<unknown>; server: { closeAllConnections(): void } };
    scheduler: Scheduler;
    runtime: Runtime;
    closeQueue: (() => Promise<void>) | undefined;
    rateLimiter: RateLimiter;
  },
): Promise<void> {
  const { scheduler } = parts;
  parts.stopSweeper();
  parts.stopRecovery();
  const listening = parts.app.close();
  const drained = await scheduler.drain(config.shutdownTimeoutMs);
  if (!drained) logger.warn({ active: scheduler.activeCount() }, 'shutdown timeout: runs still active are handed back');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([listening, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
  clearTimeout(timer);
  // What is still open after the grace period (a request that outlived the drain, a connection that never sent
  // one) is closed: it would hold the process for up to the server's 60 s header timeout.
  parts.app.server.closeAllConnections();
  await parts.closeQueue?.();
  await parts.rateLimiter.close();
  await parts.runtime.close();
}

function appSettings(config: Config): AppDeps['settings'] {
  return {
    bodyLimitBytes: config.bodyLimitBytes,
    heartbeatMs: config.heartbeatMs,
    keyCacheTtlMs: config.keyCacheTtlMs,
    initialCredits: config.initialCredits,
    adminToken: config.adminToken,
    metricsToken: config.metricsToken,
    cacheTtlMs: config.cacheTtlMs,
    requestTimeoutMs: config.requestTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    limits: config.limits,
  };
}
