import type { Logger } from 'pino';
import type { Clock, Ids, ModelGateway } from '../engine/ports.js';
import type { EventBus } from '../queue/event-bus.js';
import type { SecretVault } from '../queue/secret-vault.js';
import type { EventRelay } from '../queue/event-relay.js';
import type { WorkerDeps } from '../runs/execute-run.js';
import type { Runs } from '../runs/runs.js';
import type { Database } from '../store/database.js';
import type { Scheduler } from '../runs/scheduler.js';
import type { Store } from '../store/store.js';
import type { RateLimiter } from '../queue/rate-limiter.js';
import type { LimitSettings } from '../runs/limits.js';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.js';
import type { AssetService } from '../store/asset-service.js';

/**
 * What the API is given. It holds neither the database nor the deps runs execute with: routes read and write
 * through `store`, and reach the run's life (admission, continuation, cancellation, the tool runner) through `runs`.
 */
export interface AppDeps {
  /** The repositories, bound to the database: what routes use to read and write. */
  store: Store;
  /** What routes do to runs, bound to the runs' deps in the composition root. */
  runs: Runs;
  bus: EventBus;
  scheduler: Scheduler;
  models: ModelGateway;
  /** The catalog's model ids: GET /v1/models lists those the gateway can route, with their prices. */
  catalogModels: readonly string[];
  clock: Clock;
  ids: Ids;
  logger: Logger;
  /** Counts each key's requests per minute, shared with the other processes. */
  rateLimiter: RateLimiter;
  /** How this process tells the others of a revoked key, and hears of theirs (the event relay; none alone). */
  keyRevocations?: Pick<EventRelay, 'revokeKey' | 'onKeyRevoked'>;
  /** Seals managed secrets (FLOWRUN_SECRET_KEY); none, or one without a key, refuses to create them. */
  vault?: Pick<SecretVault, 'enabled' | 'seal'>;
  /** Stored assets (`/v1/assets`); none answers those routes with ASSET_STORAGE_ERROR. */
  assets?: AssetService;
  /** What /ready checks: the database's migrations, and Redis when clustered. */
  readiness: Readiness;
  /** What /metrics shows beyond the process: the other layers' registries, the queue, the sandbox. */
  metrics: {
    /** The run, step, event and model metrics the other layers keep. */
    registries: Registry[];
    /** The run queue's jobs by state, when runs go through one (clustered). */
    queueDepth?: () => Promise<Record<string, number>>;
    /** Sandbox threads busy, started, and calls waiting. */
    sandbox?: () => { busy: number; threads: number; waiting: number };
  };
  settings: {
    /** Flowrun's version, as /openapi.json states it. */
    version?: string;
    /** This process's name among several (the x-flowrun-instance header). */
    instance?: string;
    /** The operator's limits: per key unless a key has lower ones, per tenant, and on keys made through the API. */
    limits: LimitSettings;
    bodyLimitBytes: number;
    heartbeatMs: number;
    /** How long a verified key is trusted before the store is asked again (revocations take effect within it). */
    keyCacheTtlMs: number;
    /** Credits a tenant (per mode) starts with; 1,000,000 credits = 1 USD. */
    initialCredits: number;
    /** Bearer token of the `/admin` routes; unset disables them. */
    adminToken?: string;
    /** Bearer token of `/metrics`; unset leaves it open. */
    metricsToken?: string;
    /** How long a client may take to send a whole request, and its headers (slow-loris defence). */
    requestTimeoutMs?: number;
    headersTimeoutMs?: number;
    /** How long identical PromptShuttle runs are served from the response cache. */
    cacheTtlMs: number;
  };
}

/** The keys of `T` whose value is a `U` (optional or not). */
type KeysHolding<T, U> = { [K in keyof T]-?: NonNullable<T[K]> extends U ? K : never }[keyof T];
type None<T extends never> = T;

/**
 * The type checker's proof that routes cannot touch the database or the deps runs execute with: no member of
 * `AppDeps`, nor of `Runs`, is either, under any name. Adding one fails to compile here.
 */
export type AppDepsHoldNoDatabase = None<KeysHolding<AppDeps, Database | WorkerDeps> | KeysHolding<Runs, Database | WorkerDeps>>;
