import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { createApp, type RouteEntry } from './api/app.js';
import type { AppDeps } from './api/app-deps.js';
import type { Clock } from './engine/ports.js';
import { createUlidIds } from './ids.js';
import { parseCatalog } from './providers/catalog.js';
import { createModelGateway } from './providers/model-gateway.js';
import type { ProviderSettings } from './providers/provider-settings.js';
import { createInMemoryEventBus } from './queue/event-bus.js';
import { createEventWriter } from './queue/event-writer.js';
import { executeRun, type WorkerDeps } from './queue/execute-run.js';
import { runFlowTool } from './queue/flow-tool.js';
import { runAgentTool } from './queue/agent-tool.js';
import { recoverInterruptedRuns } from './queue/recovery.js';
import { startApprovalSweeper } from './queue/approval-sweeper.js';
import { createAddressPolicy } from './tools/address-policy.js';
import { createSandboxPool, type Sandbox, type SandboxOptions } from './tools/sandbox/sandbox-pool.js';
import { createToolRunner } from './tools/tool-runner.js';
import { createInProcessScheduler } from './queue/scheduler.js';
import { isTransientStoreError, migrate, openSqlite, type Database } from './store/database.js';
import { createStore } from './store/store.js';
import { createSecretVault, parseSecretKeys } from './queue/secret-vault.js';
import { appendEvents } from './store/events-repository.js';

/** The composition root: the only module that reads process.env. Every variable is documented in README.md. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseFile: string;
  logLevel: string;
  bodyLimitBytes: number;
  heartbeatMs: number;
  shutdownTimeoutMs: number;
  concurrency: number;
  keyCacheTtlMs: number;
  initialCredits: number;
  adminToken?: string;
  /** FLOWRUN_SECRET_KEY: the keys run secrets are sealed with (the first seals, any opens); none keeps them in memory only. */
  secretKeys: Buffer[];
  cacheTtlMs: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  approvalSweepMs: number;
  eventFlushMs: number;
  catalogFile: string;
  providers: ProviderSettings;
  tools: {
    sandboxWorkers: number;
    sandboxTimeoutMs: number;
    sandboxMaxTimeoutMs: number;
    sandboxTenantConcurrency: number;
    sandboxMemoryBytes: number;
    httpTimeoutMs: number;
    httpMaxResponseBytes: number;
    ssrfAllowlist: string[];
    maxDepth: number;
  };
}

const packageRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.FLOWRUN_DATA_DIR ?? 'data');
  const compatible: ProviderSettings['compatible'] = {};
  const addCompatible = (name: string, baseURL: string | undefined, apiKey: string | undefined): void => {
    if (baseURL) compatible[name] = { baseURL, apiKey };
  };
  addCompatible('default', env.FLOWRUN_COMPAT_BASE_URL, env.FLOWRUN_COMPAT_API_KEY);
  addCompatible('ollama', env.OLLAMA_BASE_URL ?? 'http://127.0.0.1:11434/v1', env.OLLAMA_API_KEY);
  addCompatible('vllm', env.VLLM_BASE_URL, env.VLLM_API_KEY);
  addCompatible('groq', env.GROQ_API_KEY ? (env.GROQ_BASE_URL ?? 'https://api.groq.com/openai/v1') : undefined, env.GROQ_API_KEY);
  addCompatible(
    'openrouter',
    env.OPENROUTER_API_KEY ? (env.OPENROUTER_BASE_URL ?? 'https://openrouter.ai/api/v1') : undefined,
    env.OPENROUTER_API_KEY,
  );
  return {
    host: env.HOST ?? '127.0.0.1',
    port: integer(env.PORT, 8787, 'PORT'),
    dataDir,
    databaseFile: env.FLOWRUN_DATABASE_FILE ? resolve(env.FLOWRUN_DATABASE_FILE) : join(dataDir, 'flowrun.sqlite'),
    logLevel: env.FLOWRUN_LOG_LEVEL ?? 'info',
    bodyLimitBytes: integer(env.FLOWRUN_BODY_LIMIT_BYTES, 5 * 1024 * 1024, 'FLOWRUN_BODY_LIMIT_BYTES'),
    heartbeatMs: integer(env.FLOWRUN_SSE_HEARTBEAT_MS, 15_000, 'FLOWRUN_SSE_HEARTBEAT_MS'),
    shutdownTimeoutMs: integer(env.FLOWRUN_SHUTDOWN_TIMEOUT_MS, 10_000, 'FLOWRUN_SHUTDOWN_TIMEOUT_MS'),
    concurrency: integer(env.FLOWRUN_CONCURRENCY, 256, 'FLOWRUN_CONCURRENCY'),
    keyCacheTtlMs: integer(env.FLOWRUN_KEY_CACHE_TTL_MS, 5_000, 'FLOWRUN_KEY_CACHE_TTL_MS'),
    eventFlushMs: integer(env.FLOWRUN_EVENT_FLUSH_MS, 5, 'FLOWRUN_EVENT_FLUSH_MS'),
    initialCredits: integer(env.FLOWRUN_INITIAL_CREDITS, 1_000_000_000, 'FLOWRUN_INITIAL_CREDITS'),
    adminToken: env.FLOWRUN_ADMIN_TOKEN || undefined,
    secretKeys: parseSecretKeys(env.FLOWRUN_SECRET_KEY),
    cacheTtlMs: integer(env.FLOWRUN_CACHE_TTL_MS, 3_600_000, 'FLOWRUN_CACHE_TTL_MS'),
    requestTimeoutMs: integer(env.FLOWRUN_REQUEST_TIMEOUT_MS, 30_000, 'FLOWRUN_REQUEST_TIMEOUT_MS'),
    headersTimeoutMs: integer(env.FLOWRUN_HEADERS_TIMEOUT_MS, 10_000, 'FLOWRUN_HEADERS_TIMEOUT_MS'),
    approvalSweepMs: integer(env.FLOWRUN_APPROVAL_SWEEP_MS, 1_000, 'FLOWRUN_APPROVAL_SWEEP_MS'),
    tools: {
      sandboxWorkers: integer(env.FLOWRUN_SANDBOX_WORKERS, 4, 'FLOWRUN_SANDBOX_WORKERS'),
      sandboxTimeoutMs: integer(env.FLOWRUN_SANDBOX_TIMEOUT_MS, 5_000, 'FLOWRUN_SANDBOX_TIMEOUT_MS'),
      sandboxMaxTimeoutMs: integer(env.FLOWRUN_SANDBOX_MAX_TIMEOUT_MS, 30_000, 'FLOWRUN_SANDBOX_MAX_TIMEOUT_MS'),
      sandboxTenantConcurrency: integer(env.FLOWRUN_SANDBOX_TENANT_CONCURRENCY, 0, 'FLOWRUN_SANDBOX_TENANT_CONCURRENCY'),
      sandboxMemoryBytes: integer(env.FLOWRUN_SANDBOX_MEMORY_MB, 64, 'FLOWRUN_SANDBOX_MEMORY_MB') * 1024 * 1024,
      httpTimeoutMs: integer(env.FLOWRUN_TOOL_HTTP_TIMEOUT_MS, 15_000, 'FLOWRUN_TOOL_HTTP_TIMEOUT_MS'),
      httpMaxResponseBytes: integer(env.FLOWRUN_TOOL_HTTP_MAX_BYTES, 1024 * 1024, 'FLOWRUN_TOOL_HTTP_MAX_BYTES'),
      ssrfAllowlist: (env.FLOWRUN_SSRF_ALLOWLIST ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
      maxDepth: integer(env.FLOWRUN_MAX_TOOL_DEPTH, 3, 'FLOWRUN_MAX_TOOL_DEPTH'),
    },
    catalogFile: env.FLOWRUN_CATALOG ? resolve(env.FLOWRUN_CATALOG) : join(packageRoot, 'catalog', 'models.json'),
    providers: {
      openai: { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL },
      anthropic: { apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL },
      google: { apiKey: env.GOOGLE_GENERATIVE_AI_API_KEY, baseURL: env.GOOGLE_BASE_URL },
      compatible,
      routeAllTo: env.FLOWRUN_MODEL_BASE_URL ? { baseURL: env.FLOWRUN_MODEL_BASE_URL, apiKey: env.FLOWRUN_MODEL_API_KEY } : undefined,
      maxRetries: integer(env.FLOWRUN_MODEL_MAX_RETRIES, 2, 'FLOWRUN_MODEL_MAX_RETRIES'),
      maxRetryDelayMs: integer(env.FLOWRUN_MODEL_MAX_RETRY_DELAY_MS, 10_000, 'FLOWRUN_MODEL_MAX_RETRY_DELAY_MS'),
      timeoutMs: integer(env.FLOWRUN_MODEL_TIMEOUT_MS, 120_000, 'FLOWRUN_MODEL_TIMEOUT_MS'),
      idleTimeoutMs: integer(env.FLOWRUN_MODEL_IDLE_TIMEOUT_MS, 60_000, 'FLOWRUN_MODEL_IDLE_TIMEOUT_MS'),
    },
  };
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got '${value}'`);
  return parsed;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.secrets', '*.apiKey', '*.key'], censor: '[REDACTED]' },
  });
}

export async function openDatabase(config: Pick<Config, 'databaseFile'>): Promise<Database> {
  const db = openSqlite(config.databaseFile);
  await migrate(db);
  return db;
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

/** Opens the store, wires every adapter and starts listening. */
export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const db = await openDatabase(config);
  const clock: Clock = { now: Date.now };
  const ids = createUlidIds();
  const bus = createInMemoryEventBus();
  // Assigned below; the writer stops a run whose events cannot be stored even on their own.
  let cancelRun: (executionId: string) => void = () => undefined;
  const writer = createEventWriter((events) => appendEvents(db, events), {
    intervalMs: config.eventFlushMs,
    maxBatch: 500,
    isTransient: isTransientStoreError,
    onError: (error) => logger.error({ err: error }, 'event write failed'),
    onRunFailed: (executionId, error) => {
      logger.error({ err: error, executionId }, 'the events of this run cannot be stored; the run is stopped');
      cancelRun(executionId);
    },
  });
  const catalog = parseCatalog(JSON.parse(readFileSync(config.catalogFile, 'utf8')));
  const models = createModelGateway(catalog, config.providers);
  const sandbox = createSandboxPool(sandboxOptions(config));
  const vault = createSecretVault(config.secretKeys);
  const workerDeps = createWorkerDeps(config, { db, bus, writer, models, clock, ids, vault }, sandbox);
  const scheduler = createInProcessScheduler((job, signal) => executeRun(workerDeps, job, signal), { concurrency: config.concurrency });
  cancelRun = (executionId) => void scheduler.cancel(executionId);
  const app = createApp({
    db,
    store: createStore(db),
    vault,
    bus,
    writer,
    scheduler,
    models,
    clock,
    ids,
    logger,
    workerDeps,
    settings: appSettings(config),
  });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url, database: config.databaseFile }, 'flowrun listening');
  await recoverInterruptedRuns(workerDeps, scheduler, logger);
  const stopSweeper = startApprovalSweeper(workerDeps, scheduler, logger, config.approvalSweepMs);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Stop accepting, let running streams finish (bounded), then commit what is left and exit.
      stopSweeper();
      const listening = app.close();
      const drained = await scheduler.drain(config.shutdownTimeoutMs);
      if (!drained) logger.warn({ active: scheduler.activeCount() }, 'shutdown timeout: runs still active are left as running');
      await Promise.race([listening, new Promise((resolve) => setTimeout(resolve, 1000))]);
      await writer.close();
      await sandbox.close();
      await db.destroy();
    })();
    return closing;
  };
  return {
    url,
    close,
    routes: app.routeTable,
    inject: async (request) => {
      const response = await app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        payload: request.payload,
      });
      return { statusCode: response.statusCode, body: response.body };
    },
  };
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
    runFlowTool: (flowId, args, context) => runFlowTool(workerDeps, flowId, args, context),
    runAgentTool: (tool, args, context) => runAgentTool(workerDeps, tool, args, context),
  });
  return workerDeps;
}
