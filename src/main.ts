import { readFileSync } from 'node:fs';

import { pino, type Logger } from 'pino';
import { createApp, type RouteEntry } from './api/app.js';
import type { AppDeps } from './api/app-deps.js';
import type { Clock } from './engine/ports.js';
import { createUlidIds } from './ids.js';
import { parseCatalog } from './providers/catalog.js';
import { createModelGateway } from './providers/model-gateway.js';
import { createInMemoryEventBus } from './queue/event-bus.js';
import { isTerminalEvent } from './protocol/execution-event.js';
import { createEventWriter, type EventWriter, type RecordedEvent } from './queue/event-writer.js';
import { executeRun, type WorkerDeps } from './queue/execute-run.js';
import { runFlowTool } from './queue/flow-tool.js';
import { runAgentTool } from './queue/agent-tool.js';
import { recoverInterruptedRuns, startRecoverySweep } from './queue/recovery.js';
import { createLeaseKeeper, type LeaseKeeper } from './queue/leases.js';
import { startApprovalSweeper } from './queue/approval-sweeper.js';
import { createAddressPolicy } from './tools/address-policy.js';
import { createSandboxPool, type Sandbox, type SandboxOptions } from './tools/sandbox/sandbox-pool.js';
import { createToolRunner, type ToolRunnerDeps } from './tools/tool-runner.js';
import { createImageGenerator } from './providers/image-generator.js';
import { createInProcessScheduler, type Scheduler } from './queue/scheduler.js';
import { createRelayedBus, type EventRelay } from './queue/event-relay.js';
import { isTransientStoreError, type Database } from './store/database.js';
import { releaseLeases } from './store/leases-repository.js';
import { createStore } from './store/store.js';
import { createSecretVault } from './queue/secret-vault.js';
import { appendEvents } from './store/events-repository.js';
import { Config, describeDatabase, openDatabase } from './config.js';
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from './store/background-checkpoints.js';

export { openDatabase, readConfig, type Config } from './config.js';

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.secrets', '*.apiKey', '*.key'], censor: '[REDACTED]' },
  });
}

export interface RunningServer {
  url: string;
  /** Every registered route and who may call it. */
  routes: RouteEntry[];
  /** Sends a request through the app without a socket (Fastify's inject), for route tests. */
  inject(request: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer;
  }): Promise<{ statusCode: number; body: string }>;
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
  const db = await openDatabase(config);
  const checkpoints = backgroundCheckpoints(config, logger);
  const clock: Clock = { now: Date.now };
  const ids = createUlidIds();
  const { relay } = options;
  const localBus = createInMemoryEventBus();
  const bus = relay ? createRelayedBus(localBus, relay) : localBus;
  // Assigned below; the writer stops a run whose events cannot be stored even on their own.
  let cancelRun: (executionId: string) => void = () => undefined;
  const writer = createWriter(config, db, logger, {
    cancelRun: (executionId) => cancelRun(executionId),
    onWritten: (events) => {
      for (const { event } of events) if (isTerminalEvent(event)) bus.publish(event);
      relay?.announce(events);
    },
  });
  const catalog = parseCatalog(JSON.parse(readFileSync(config.catalogFile, 'utf8')));
  const models = createModelGateway(catalog, config.providers);
  const sandbox = createSandboxPool(sandboxOptions(config));
  const vault = createSecretVault(config.secretKeys);
  const leases = createLeaseKeeper({
    db,
    ttlMs: config.leaseMs,
    now: clock.now,
    start: ids.next('start'),
    onError: (error) => logger.warn({ err: error }, 'lease renewal failed'),
  });
  const workerDeps = createWorkerDeps(config, { db, bus, writer, models, clock, ids, vault, leases }, sandbox);
  const scheduler = relayedScheduler(
    createInProcessScheduler((job, signal) => executeRun(workerDeps, job, signal), { concurrency: config.concurrency }),
    relay,
  );
  cancelRun = (executionId) => void scheduler.cancel(executionId);
  const app = createApp({
    db,
    store: createStore(db),
    vault,
    leases,
    bus,
    writer,
    scheduler,
    models,
    clock,
    ids,
    logger,
    workerDeps,
    settings: { ...appSettings(config), instance: leases.owner.split(':').at(-1)! },
  });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url, database: describeDatabase(config) }, 'flowrun listening');
  await recoverInterruptedRuns(workerDeps, scheduler, logger);
  const stopRecovery = startRecoverySweep(workerDeps, scheduler, logger, config.recoverySweepMs);
  const stopSweeper = startApprovalSweeper(workerDeps, scheduler, logger, config.approvalSweepMs);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= shutdown(config, logger, { stopSweeper, stopRecovery, app, scheduler, writer, leases, db, sandbox, checkpoints }));
  return {
    url,
    close,
    routes: app.routeTable,
    inject: async (request) => {
      const response = await app.inject({ ...request, method: request.method as 'GET' });
      return { statusCode: response.statusCode, body: response.body };
    },
  };
}

/** Stops accepting, lets running streams finish (bounded), then commits what is left and closes the store. */
async function shutdown(
  config: Config,
  logger: Logger,
  parts: {
    stopSweeper: () => void;
    stopRecovery: () => void;
    app: { close(): Promise<unknown> };
    scheduler: Scheduler;
    writer: EventWriter;
    leases: LeaseKeeper;
    db: Database;
    sandbox: Sandbox;
    checkpoints: BackgroundCheckpoints | undefined;
  },
): Promise<void> {
  const { scheduler, leases, db } = parts;
  parts.stopSweeper();
  parts.stopRecovery();
  const listening = parts.app.close();
  const drained = await scheduler.drain(config.shutdownTimeoutMs);
  if (!drained) logger.warn({ active: scheduler.activeCount() }, 'shutdown timeout: runs still active are handed back');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([listening, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
  clearTimeout(timer);
  await parts.writer.close();
  // Runs still active are handed back: a sibling or the next start continues them without waiting out the lease.
  leases.stop();
  await releaseLeases(db, leases.owner).catch(() => undefined);
  await parts.sandbox.close();
  await parts.checkpoints?.stop();
  await db.destroy();
}

function createWriter(
  config: Config,
  db: Database,
  logger: Logger,
  hooks: { cancelRun: (executionId: string) => void; onWritten: (events: RecordedEvent[]) => void },
): EventWriter {
  return createEventWriter((events) => appendEvents(db, events), {
    intervalMs: config.eventFlushMs,
    maxBatch: 500,
    deltaIntervalMs: config.deltaFlushMs,
    maxDeltas: 20_000,
    isTransient: isTransientStoreError,
    onError: (error) => logger.error({ err: error }, 'event write failed'),
    onRunFailed: (executionId, error) => {
      logger.error({ err: error, executionId }, 'the events of this run cannot be stored; the run is stopped');
      hooks.cancelRun(executionId);
    },
    onWritten: hooks.onWritten,
  });
}

/** With other processes about, a run this one does not hold is cancelled where it runs. */
function relayedScheduler(local: Scheduler, relay: EventRelay | undefined): Scheduler {
  if (!relay) return local;
  relay.onCancel((executionId) => void local.cancel(executionId));
  return { ...local, cancel: (id) => local.cancel(id) || (relay.cancel(id), true) };
}

function backgroundCheckpoints(config: Config, logger: Logger): BackgroundCheckpoints | undefined {
  if (config.checkpointIntervalMs <= 0 || config.databaseUrl || config.databaseFile === ':memory:') return undefined;
  return startBackgroundCheckpoints(config.databaseFile, config.checkpointIntervalMs, (error) =>
    logger.warn({ err: error }, 'background checkpoints stopped; SQLite checkpoints on commit instead'),
  );
}

function sandboxOptions(config: Config): SandboxOptions {
  return {
    workers: config.tools.sandboxWorkers,
    timeoutMs: config.tools.sandboxTimeoutMs,
    memoryBytes: config.tools.sandboxMemoryBytes,
    maxResultBytes: 1024 * 1024,
    maxTimeoutMs: config.tools.sandboxMaxTimeoutMs,
    // By default a tenant may hold half the threads (at least one), so another tenant always finds one free.
    tenantConcurrency: config.tools.sandboxTenantConcurrency || Math.max(1, Math.floor(config.tools.sandboxWorkers / 2)),
  };
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
  };
}

/**
 * What runs need. Flow and agent tools run through these deps themselves, so the tool runner is made after them
 * and reached through a getter.
 */
function createWorkerDeps(config: Config, core: Omit<WorkerDeps, 'tools' | 'pausedSecrets' | 'meters'>, sandbox: Sandbox): WorkerDeps {
  const wired: { tools?: WorkerDeps['tools'] } = {};
  const workerDeps: WorkerDeps = {
    ...core,
    pausedSecrets: new Map(),
    meters: new Map(),
    get tools() {
      if (!wired.tools) throw new Error('the tool runner is not wired yet');
      return wired.tools;
    },
  };
  wired.tools = createToolRunner({
    sandbox,
    policy: createAddressPolicy(config.tools.ssrfAllowlist),
    http: { timeoutMs: config.tools.httpTimeoutMs, maxResponseBytes: config.tools.httpMaxResponseBytes },
    maxDepth: config.tools.maxDepth,
    mcpToolsTtlMs: config.tools.mcpToolsTtlMs,
    builtins: builtinsOf(config),
    runFlowTool: (flowId, args, context) => runFlowTool(workerDeps, flowId, args, context),
    runAgentTool: (tool, args, context) => runAgentTool(workerDeps, tool, args, context),
  });
  return workerDeps;
}

/** What the built-in tools can reach: a search backend, and the image model of the OpenAI-compatible provider. */
function builtinsOf(config: Config): ToolRunnerDeps['builtins'] {
  const generate = createImageGenerator(config.providers, config.tools.imageModel);
  return {
    ...(config.tools.exa ? { exa: config.tools.exa } : {}),
    ...(config.tools.searxngUrl ? { searxngUrl: config.tools.searxngUrl } : {}),
    ...(generate ? { image: { model: config.tools.imageModel, priceUsd: config.tools.imagePriceUsd, generate } } : {}),
  };
}
