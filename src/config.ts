import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProviderSettings } from './providers/provider-settings.js';
import { migrate, openPostgres, openSqlite, type Database } from './store/database.js';
import type { LimitSettings } from './runs/limits.js';
import { parseSecretKeys } from './queue/secret-vault.js';
import { isE164 } from './protocol/message-addresses.js';
import { checkEmailSettings } from './tools/messaging/email-settings.js';
import type { MessagingSettings } from './tools/messaging/message-sender.js';

/**
 * Flowrun's settings, read from the environment by `readConfig` (with `main.ts`, the only code that sees
 * process.env). Every variable is documented in README.md. Kept apart from `main.ts` so that CLI commands that
 * only need the database (keys, credits, migrate) start without loading the server.
 */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseFile: string;
  /** FLOWRUN_DATABASE_URL: a `postgres://` URL moves the whole store to PostgreSQL; unset keeps the SQLite file. */
  databaseUrl?: string;
  /** Connections each process keeps to PostgreSQL. */
  databasePoolSize: number;
  /** FLOWRUN_REDIS_URL: runs go through a BullMQ queue to `flowrun worker` processes, events through Redis pub/sub. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel, so several clusters can share one Redis. */
  redisPrefix: string;
  /** Runs one `flowrun worker` executes at once. */
  workerConcurrency: number;
  /** Where a `flowrun worker` serves /health, /ready and /metrics (FLOWRUN_WORKER_PORT; unset: nowhere). */
  workerPort?: number;
  /** The operator's limits: per key (a key's own lower limit wins), per tenant and mode, and on keys made through the API; 0: no limit. */
  limits: LimitSettings;
  logLevel: string;
  bodyLimitBytes: number;
  heartbeatMs: number;
  shutdownTimeoutMs: number;
  concurrency: number;
  keyCacheTtlMs: number;
  initialCredits: number;
  adminToken?: string;
  /** Bearer token `/metrics` asks for; unset leaves it open (aggregate figures only). */
  metricsToken?: string;
  /** How often a worker thread copies WAL pages into the database file; 0 leaves it to the committing connection. */
  checkpointIntervalMs: number;
  /** FLOWRUN_SECRET_KEY: the keys run secrets are sealed with (the first seals, any opens); none keeps them in memory only. */
  secretKeys: Buffer[];
  cacheTtlMs: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  approvalSweepMs: number;
  /** How long a run stays with the process executing it without a renewal (renewed every third of it). */
  leaseMs: number;
  /** How long a run's commit is tried again while the database is away (a restart), before the run fails. */
  commitRetryMs: number;
  /** How often a process looks for runs whose lease lapsed (a sibling or worker that died) and continues them. */
  recoverySweepMs: number;
  eventFlushMs: number;
  /** How long streamed deltas alone wait for their group commit. */
  deltaFlushMs: number;
  catalogFile: string;
  providers: ProviderSettings;
  assets: AssetSettings;
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
    mcpToolsTtlMs: number;
    exa?: { apiKey: string; baseURL: string };
    searxngUrl?: string;
    githubApiUrl: string;
    imageModel: string;
    imagePriceUsd: number;
  };
  /** send-email's SMTP server and senders, send-text's Twilio-compatible API (FLOWRUN_SMTP_URL, FLOWRUN_TWILIO_*). */
  messaging: MessagingSettings;
}

/** Where asset steps keep files, how large they may be, and how their public URLs are signed. */
export interface AssetSettings {
  /** FLOWRUN_ASSET_MAX_BYTES: the most bytes one asset may have. */
  maxBytes: number;
  /** FLOWRUN_ASSET_DIR: keep the bytes as files here instead of in the database. */
  dir?: string;
  /** FLOWRUN_ASSET_S3_*: keep the bytes in an S3-compatible bucket instead of in the database. */
  s3?: { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string; prefix: string };
  /** FLOWRUN_ASSET_URL_TTL_SECONDS: how long a public asset's signed URL works. */
  urlTtlSeconds: number;
  /** FLOWRUN_ASSET_SIGNING_KEY (else one derived from FLOWRUN_SECRET_KEY; else none: a random key per process). */
  signingKey?: Buffer;
  /** FLOWRUN_PUBLIC_URL: what asset URLs start with (e.g. https://flows.example.com); unset: paths only. */
  publicUrl: string;
}

function assetSettingsOf(env: NodeJS.ProcessEnv, secretKeys: Buffer[]): AssetSettings {
  const s3 = env.FLOWRUN_ASSET_S3_BUCKET
    ? {
        endpoint: env.FLOWRUN_ASSET_S3_ENDPOINT || `https://s3.${env.FLOWRUN_ASSET_S3_REGION || 'us-east-1'}.amazonaws.com`,
        bucket: env.FLOWRUN_ASSET_S3_BUCKET,
        region: env.FLOWRUN_ASSET_S3_REGION || 'us-east-1',
        accessKeyId: env.FLOWRUN_ASSET_S3_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.FLOWRUN_ASSET_S3_SECRET_ACCESS_KEY ?? '',
        prefix: env.FLOWRUN_ASSET_S3_PREFIX ?? '',
      }
    : undefined;
  if (s3 && (!s3.accessKeyId || !s3.secretAccessKey))
    throw new Error('FLOWRUN_ASSET_S3_BUCKET needs FLOWRUN_ASSET_S3_ACCESS_KEY_ID and FLOWRUN_ASSET_S3_SECRET_ACCESS_KEY');
  if (s3 && env.FLOWRUN_ASSET_DIR) throw new Error('set FLOWRUN_ASSET_DIR or FLOWRUN_ASSET_S3_BUCKET, not both');
  const signing = env.FLOWRUN_ASSET_SIGNING_KEY;
  if (signing !== undefined && signing.length < 16) throw new Error('FLOWRUN_ASSET_SIGNING_KEY must be at least 16 characters');
  const signingKey = signing
    ? Buffer.from(signing)
    : secretKeys[0]
      ? createHmac('sha256', secretKeys[0]).update('flowrun asset urls').digest()
      : undefined;
  return {
    maxBytes: integer(env.FLOWRUN_ASSET_MAX_BYTES, 10 * 1024 * 1024, 'FLOWRUN_ASSET_MAX_BYTES'),
    ...(env.FLOWRUN_ASSET_DIR ? { dir: resolve(env.FLOWRUN_ASSET_DIR) } : {}),
    ...(s3 ? { s3 } : {}),
    urlTtlSeconds: integer(env.FLOWRUN_ASSET_URL_TTL_SECONDS, 7 * 24 * 3600, 'FLOWRUN_ASSET_URL_TTL_SECONDS'),
    ...(signingKey ? { signingKey } : {}),
    publicUrl: (env.FLOWRUN_PUBLIC_URL ?? '').replace(/\/+$/, ''),
  };
}

const packageRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.FLOWRUN_DATA_DIR ?? 'data');
  const compatible = compatibleProvidersOf(env);
  return {
    host: env.HOST ?? '127.0.0.1',
    port: integer(env.PORT, 8787, 'PORT'),
    dataDir,
    databaseFile: env.FLOWRUN_DATABASE_FILE ? resolve(env.FLOWRUN_DATABASE_FILE) : join(dataDir, 'flowrun.sqlite'),
    ...databaseUrlOf(env.FLOWRUN_DATABASE_URL),
    databasePoolSize: integer(env.FLOWRUN_DATABASE_POOL_SIZE, 10, 'FLOWRUN_DATABASE_POOL_SIZE'),
    ...redisUrlOf(env.FLOWRUN_REDIS_URL),
    redisPrefix: env.FLOWRUN_REDIS_PREFIX || 'flowrun',
    workerConcurrency: integer(env.FLOWRUN_WORKER_CONCURRENCY, 64, 'FLOWRUN_WORKER_CONCURRENCY'),
    ...(env.FLOWRUN_WORKER_PORT ? { workerPort: integer(env.FLOWRUN_WORKER_PORT, 0, 'FLOWRUN_WORKER_PORT') } : {}),
    limits: limitSettingsOf(env),
    logLevel: env.FLOWRUN_LOG_LEVEL ?? 'info',
    bodyLimitBytes: integer(env.FLOWRUN_BODY_LIMIT_BYTES, 5 * 1024 * 1024, 'FLOWRUN_BODY_LIMIT_BYTES'),
    heartbeatMs: integer(env.FLOWRUN_SSE_HEARTBEAT_MS, 15_000, 'FLOWRUN_SSE_HEARTBEAT_MS'),
    shutdownTimeoutMs: integer(env.FLOWRUN_SHUTDOWN_TIMEOUT_MS, 10_000, 'FLOWRUN_SHUTDOWN_TIMEOUT_MS'),
    concurrency: integer(env.FLOWRUN_CONCURRENCY, 256, 'FLOWRUN_CONCURRENCY'),
    keyCacheTtlMs: integer(env.FLOWRUN_KEY_CACHE_TTL_MS, 5_000, 'FLOWRUN_KEY_CACHE_TTL_MS'),
    eventFlushMs: integer(env.FLOWRUN_EVENT_FLUSH_MS, 5, 'FLOWRUN_EVENT_FLUSH_MS'),
    deltaFlushMs: integer(env.FLOWRUN_DELTA_FLUSH_MS, 100, 'FLOWRUN_DELTA_FLUSH_MS'),
    initialCredits: integer(env.FLOWRUN_INITIAL_CREDITS, 1_000_000_000, 'FLOWRUN_INITIAL_CREDITS'),
    adminToken: env.FLOWRUN_ADMIN_TOKEN || undefined,
    metricsToken: env.FLOWRUN_METRICS_TOKEN || undefined,
    checkpointIntervalMs: integer(env.FLOWRUN_CHECKPOINT_INTERVAL_MS, 100, 'FLOWRUN_CHECKPOINT_INTERVAL_MS'),
    secretKeys: parseSecretKeys(env.FLOWRUN_SECRET_KEY),
    cacheTtlMs: integer(env.FLOWRUN_CACHE_TTL_MS, 3_600_000, 'FLOWRUN_CACHE_TTL_MS'),
    requestTimeoutMs: integer(env.FLOWRUN_REQUEST_TIMEOUT_MS, 30_000, 'FLOWRUN_REQUEST_TIMEOUT_MS'),
    headersTimeoutMs: integer(env.FLOWRUN_HEADERS_TIMEOUT_MS, 10_000, 'FLOWRUN_HEADERS_TIMEOUT_MS'),
    approvalSweepMs: integer(env.FLOWRUN_APPROVAL_SWEEP_MS, 1_000, 'FLOWRUN_APPROVAL_SWEEP_MS'),
    leaseMs: integer(env.FLOWRUN_LEASE_MS, 15_000, 'FLOWRUN_LEASE_MS'),
    commitRetryMs: integer(env.FLOWRUN_COMMIT_RETRY_MS, 30_000, 'FLOWRUN_COMMIT_RETRY_MS'),
    recoverySweepMs: integer(env.FLOWRUN_RECOVERY_SWEEP_MS, 2_000, 'FLOWRUN_RECOVERY_SWEEP_MS'),
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
      mcpToolsTtlMs: integer(env.FLOWRUN_MCP_TOOLS_TTL_MS, 60_000, 'FLOWRUN_MCP_TOOLS_TTL_MS'),
      ...webSettingsOf(env),
      imageModel: env.FLOWRUN_IMAGE_MODEL ?? 'dall-e-3',
      imagePriceUsd: Number(env.FLOWRUN_IMAGE_PRICE_USD ?? 0.04),
    },
    messaging: messagingSettingsOf(env),
    assets: assetSettingsOf(env, parseSecretKeys(env.FLOWRUN_SECRET_KEY)),
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

/** Where web searches and fetch-github go: Exa, SearXNG, GitHub's REST API. */
function webSettingsOf(env: NodeJS.ProcessEnv): Pick<Config['tools'], 'exa' | 'searxngUrl' | 'githubApiUrl'> {
  return {
    ...(env.EXA_API_KEY ? { exa: { apiKey: env.EXA_API_KEY, baseURL: env.EXA_BASE_URL ?? 'https://api.exa.ai' } } : {}),
    ...(env.FLOWRUN_SEARXNG_URL ? { searxngUrl: env.FLOWRUN_SEARXNG_URL } : {}),
    githubApiUrl: env.FLOWRUN_GITHUB_API_URL || 'https://api.github.com',
  };
}

/** The OpenAI-compatible servers the settings name: the default one, Ollama, vLLM, Groq and OpenRouter. */
function compatibleProvidersOf(env: NodeJS.ProcessEnv): ProviderSettings['compatible'] {
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
  return compatible;
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got '${value}'`);
  return parsed;
}

function databaseUrlOf(url: string | undefined): Pick<Config, 'databaseUrl'> {
  if (!url) return {};
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`FLOWRUN_DATABASE_URL must be a postgres:// URL, got '${url.split(':')[0]}:…'`);
  return { databaseUrl: url };
}

function redisUrlOf(url: string | undefined): Pick<Config, 'redisUrl'> {
  if (!url) return {};
  if (!/^rediss?:\/\//.test(url)) throw new Error(`FLOWRUN_REDIS_URL must be a redis:// or rediss:// URL, got '${url.split(':')[0]}:…'`);
  return { redisUrl: url };
}

/**
 * With a queue, a run travels to a worker through Redis and its secrets with it, sealed: without a key to seal
 * them with, they would be lost on the way (or sent in clear), so clustered processes refuse to start.
 */
export function requireSealingKey(config: Pick<Config, 'redisUrl' | 'secretKeys'>): void {
  if (config.redisUrl && config.secretKeys.length === 0)
    throw new Error('FLOWRUN_REDIS_URL needs FLOWRUN_SECRET_KEY: runs reach workers through Redis with their secrets sealed by it');
}

/** The store the settings name, migrated to the latest schema. */
export async function openDatabase(
  config: Pick<Config, 'databaseFile'> & Partial<Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'leaseMs'>>,
): Promise<Database> {
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl, config.databasePoolSize, config.leaseMs)
    : openSqlite(config.databaseFile);
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** Where the store is, for logs and banners, without a password. */
export function describeDatabase(config: Pick<Config, 'databaseFile' | 'databaseUrl'>): string {
  if (!config.databaseUrl) return config.databaseFile;
  const url = new URL(config.databaseUrl);
  url.password = '';
  return url.toString();
}

function limitSettingsOf(env: NodeJS.ProcessEnv): LimitSettings {
  const tenantRate = env.FLOWRUN_TENANT_RATE_LIMIT_PER_MINUTE;
  const tenantInFlight = env.FLOWRUN_TENANT_MAX_RUNS_IN_FLIGHT;
  return {
    rateLimitPerMinute: integer(env.FLOWRUN_RATE_LIMIT_PER_MINUTE, 6_000, 'FLOWRUN_RATE_LIMIT_PER_MINUTE'),
    maxRunsInFlight: integer(env.FLOWRUN_MAX_RUNS_IN_FLIGHT, 1_000, 'FLOWRUN_MAX_RUNS_IN_FLIGHT'),
    // Unset, the per-key settings are the tenant's total too.
    ...(tenantRate ? { tenantRateLimitPerMinute: integer(tenantRate, 0, 'FLOWRUN_TENANT_RATE_LIMIT_PER_MINUTE') } : {}),
    ...(tenantInFlight ? { tenantMaxRunsInFlight: integer(tenantInFlight, 0, 'FLOWRUN_TENANT_MAX_RUNS_IN_FLIGHT') } : {}),
    maxKeysPerTenant: integer(env.FLOWRUN_MAX_KEYS_PER_TENANT, 100, 'FLOWRUN_MAX_KEYS_PER_TENANT'),
    keyCreationsPerMinute: integer(env.FLOWRUN_KEY_CREATIONS_PER_MINUTE, 10, 'FLOWRUN_KEY_CREATIONS_PER_MINUTE'),
  };
}

function messagingSettingsOf(env: NodeJS.ProcessEnv): MessagingSettings {
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  const email = {
    ...(env.FLOWRUN_SMTP_URL ? { smtpUrl: env.FLOWRUN_SMTP_URL } : {}),
    ...(env.FLOWRUN_EMAIL_FROM ? { defaultFrom: env.FLOWRUN_EMAIL_FROM } : {}),
    fromAllowlist: list(env.FLOWRUN_EMAIL_FROM_ALLOWLIST),
    timeoutMs: integer(env.FLOWRUN_SMTP_TIMEOUT_MS, 30_000, 'FLOWRUN_SMTP_TIMEOUT_MS'),
  };
  checkEmailSettings(email);
  const apiUrl = env.FLOWRUN_TWILIO_API_URL || 'https://api.twilio.com';
  if (!/^https?:\/\//.test(apiUrl)) throw new Error(`FLOWRUN_TWILIO_API_URL must be an http(s):// URL, got '${apiUrl.split(':')[0]}:…'`);
  if (env.FLOWRUN_TWILIO_FROM && !isE164(env.FLOWRUN_TWILIO_FROM))
    throw new Error(`FLOWRUN_TWILIO_FROM must be a phone number in E.164 form (+14155550123), got '${env.FLOWRUN_TWILIO_FROM}'`);
  return {
    email,
    text: {
      apiUrl,
      ...(env.FLOWRUN_TWILIO_ACCOUNT_SID ? { accountSid: env.FLOWRUN_TWILIO_ACCOUNT_SID } : {}),
      ...(env.FLOWRUN_TWILIO_AUTH_TOKEN ? { authToken: env.FLOWRUN_TWILIO_AUTH_TOKEN } : {}),
      ...(env.FLOWRUN_TWILIO_FROM ? { defaultFrom: env.FLOWRUN_TWILIO_FROM } : {}),
      timeoutMs: integer(env.FLOWRUN_TOOL_HTTP_TIMEOUT_MS, 15_000, 'FLOWRUN_TOOL_HTTP_TIMEOUT_MS'),
    },
  };
}
