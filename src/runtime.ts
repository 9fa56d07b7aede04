import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase } from './config.js';
import type { Clock, Ids } from './engine/ports.js';
import { createUlidIds } from './ids.js';
import { parseCatalog } from './providers/catalog.js';
import { createImageGenerator } from './providers/image-generator.js';
import { createModelGateway } from './providers/model-gateway.js';
import { runAgentTool } from './runs/agent-tool.js';
import { createInMemoryEventBus, type EventBus } from './queue/event-bus.js';
import { createRelayedBus, type EventRelay } from './queue/event-relay.js';
import { createEventWriter, type EventWriter, type RecordedEvent } from './queue/event-writer.js';
import type { WorkerDeps } from './runs/execute-run.js';
import type { Scheduler } from './runs/scheduler.js';
import { runMetrics } from './runs/run-metrics.js';
import { runFlowTool } from './runs/flow-tool.js';
import { createLeaseKeeper, type LeaseKeeper } from './runs/leases.js';
import { createSecretVault, type SecretVault } from './queue/secret-vault.js';
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from './store/background-checkpoints.js';
import { isTransientStoreError, type Database, type StoreTransaction } from './store/database.js';
import { commitEvents } from './store/events-repository.js';
import { releaseLeases } from './store/leases-repository.js';
import { createAddressPolicy } from './tools/address-policy.js';
import { createMessageSender } from './tools/messaging/message-sender.js';
import { createSandboxPool, type Sandbox, type SandboxOptions } from './tools/sandbox/sandbox-pool.js';
import { createToolRunner, type ToolRunnerDeps } from './tools/tool-runner.js';
import { createAssets } from './assets-runtime.js';
import type { AssetService } from './store/asset-service.js';

/**
 * What every Flowrun process that touches runs holds: the store, the event bus and writer, the model gateway,
 * the sandbox, the secret vault, this process's leases and the deps runs execute with. The API server
 * (main.ts) and the queue worker (worker.ts) are each this plus their own front.
 */
export interface Runtime {
  db: Database;
  clock: Clock;
  ids: Ids;
  bus: EventBus;
  writer: EventWriter<StoreTransaction>;
  vault: SecretVault;
  leases: LeaseKeeper;
  workerDeps: WorkerDeps;
  sandbox: Sandbox;
  /** Stored assets, for `/v1/assets` (the asset steps reach them through `workerDeps.assets`). */
  assets: AssetService;
  /** The model ids of the catalog (with prices), for GET /v1/models. */
  catalogModels: string[];
  /** Whom the writer asks to stop a run whose events cannot be stored (set once the scheduler exists). */
  onRunFailed(cancel: (executionId: string) => void): void;
  /** Commits what is left, hands back unfinished runs and closes everything; after the scheduler drained. */
  close(): Promise<void>;
}

/** With other processes about, a run this one does not hold is cancelled where it runs. */
/** Logs Redis trouble once per kind of error, not once per command (a lost connection fails every one). */
export function redisError(logger: Logger): (error: unknown) => void {
  let last = '';
  return (error) => {
    const message = (error as Error).message ?? String(error);
    if (message !== last) logger.warn({ err: error }, 'redis error');
    last = message;
  };
}

export function relayedScheduler(local: Scheduler, relay: EventRelay | undefined): Scheduler {
  if (!relay) return local;
  relay.onCancel((executionId) => void local.cancel(executionId));
  return { ...local, cancel: (id) => local.cancel(id) || (relay.cancel(id), true) };
}

export async function createRuntime(config: Config, logger: Logger, relay: EventRelay | undefined): Promise<Runtime> {
  const db = await openDatabase(config);
  const checkpoints = backgroundCheckpoints(config, logger);
  const clock: Clock = { now: Date.now };
  const ids = createUlidIds();
  const localBus = createInMemoryEventBus();
  const bus = relay ? createRelayedBus(localBus, relay) : localBus;
  let cancelRun: (executionId: string) => void = () => undefined;
  const leases = createLeaseKeeper({
    db,
    ttlMs: config.leaseMs,
    now: clock.now,
    start: ids.next('start'),
    onError: (error) => logger.warn({ err: error }, 'lease renewal failed'),
  });
  const writer = createWriter(config, db, logger, {
    cancelRun: (executionId) => cancelRun(executionId),
    // A write fenced out: another process holds the run now; this one stops it (see LeaseKeeper.onLost).
    onFenced: (executionId) => leases.markLost(executionId),
    onWritten: (events) => {
      for (const { event } of events) bus.publish(event);
      relay?.announce(events);
      runMetrics.eventsWritten(events.length);
    },
  });
  const catalog = parseCatalog(JSON.parse(readFileSync(config.catalogFile, 'utf8')));
  const models = createModelGateway(catalog, config.providers);
  const sandbox = createSandboxPool(sandboxOptions(config));
  const vault = createSecretVault(config.secretKeys);
  const assets = createAssets(config, { db, clock, ids, logger });
  const workerDeps = createWorkerDeps(
    config,
    {
      db,
      bus,
      writer,
      models,
      clock,
      ids,
      vault,
      leases,
      assets: assets.port,
      limits: config.limits,
      messages: createMessageSender(config.messaging, createAddressPolicy(config.tools.ssrfAllowlist)),
      commitRetryMs: config.commitRetryMs,
      onRunEnded: logRunEnd(logger),
      onRunFenced: (executionId) => logger.warn({ executionId }, 'run stopped here: another process holds its lease now'),
    },
    sandbox,
  );
  return {
    db,
    clock,
    ids,
    bus,
    writer,
    vault,
    leases,
    workerDeps,
    sandbox,
    assets: assets.service,
    catalogModels: Object.keys(catalog.models),
    onRunFailed: (cancel) => (cancelRun = cancel),
    async close() {
      await writer.close();
      // Runs still active are handed back: a sibling or the next start continues them without waiting out the lease.
      leases.stop();
      await releaseLeases(db, leases.owner).catch(() => undefined);
      await relay?.close();
      await sandbox.close();
      await checkpoints?.stop();
      await db.destroy();
    },
  };
}

function createWriter(
  config: Config,
  db: Database,
  logger: Logger,
  hooks: {
    cancelRun: (executionId: string) => void;
    onWritten: (events: RecordedEvent[]) => void;
    onFenced: (executionId: string) => void;
  },
): EventWriter<StoreTransaction> {
  return createEventWriter<StoreTransaction>((events, work) => commitEvents(db, events, work), {
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
    onFenced: hooks.onFenced,
  });
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
    githubApiUrl: config.tools.githubApiUrl,
    runFlowTool: (flowId, args, context) => runFlowTool(workerDeps, flowId, args, context),
    runAgentTool: (tool, args, context) => runAgentTool(workerDeps, tool, args, context),
  });
  return workerDeps;
}

/**
 * One info line per run that ends (or pauses): its id, status, duration and error code. Never its input, output,
 * prompts or secrets.
 */
function logRunEnd(logger: Logger): NonNullable<WorkerDeps['onRunEnded']> {
  return (executionId, outcome) =>
    logger.info(
      { executionId, status: outcome.status, durationMs: outcome.durationMs, ...(outcome.error ? { errorCode: outcome.error.code } : {}) },
      'run ended',
    );
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
