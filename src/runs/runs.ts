import type { PauseSnapshot } from '../engine/run-flow.js';
import type { ToolRunner } from '../engine/ports.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { ExecutionRow } from '../store/executions-repository.js';
import type { StoredFlow } from '../store/flows-repository.js';
import { cancelPausedRun } from './cancel-paused.js';
import { continuePausedRun, pausedExecution, type Answers } from './continue-run.js';
import type { RunJob, WorkerDeps } from './execute-run.js';
import { resolveFlowVersion, type VersionPaths } from './flow-version.js';
import { admitInFlight, scopeOfKey } from './limits.js';
import { prepareRun, withManagedSecrets, type AdmissionDeps, type AdmissionRequest, type AdmittedRun } from './prepare-run.js';

/**
 * The run's life as the API reaches it: what a route may do to runs, bound in the composition root to the deps
 * runs execute with. The API holds this, never the database or those deps, so a route admits, continues and
 * cancels runs (and tests tools) the way the runs layer does, and cannot do it another way.
 */
export interface Runs {
  /** Admits a run through the one admission pipeline (`prepareRun`); throws its FlowrunErrors (404, 422, 402, 429). */
  prepare(request: AdmissionRequest): Promise<AdmittedRun>;
  /** The version of a stored flow a run would execute; 404 naming the field when there is none. */
  resolveFlowVersion(
    scope: TenantScope,
    flowIdOrSlug: string,
    wanted: { versionId?: string; environment?: string },
    paths: VersionPaths,
  ): Promise<StoredFlow>;
  /** The paused execution a continuation targets: 404 unknown, 403 another tenant's (or mode's), 409 not paused. */
  pausedExecution(scope: TenantScope, executionId: string): Promise<{ row: ExecutionRow; pause: PauseSnapshot }>;
  /** The job that continues a paused run, or null while an approval is pending; 409 when claimed already, 429 when full. */
  continuePaused(row: ExecutionRow, pause: PauseSnapshot, answers: Answers, admission: TenantScope): Promise<RunJob | null>;
  /** Cancels a paused run: its pending approvals closed, its last event written, the run marked cancelled. */
  cancelPaused(row: ExecutionRow): Promise<void>;
  /** The scope a run is continued under when its own key is not the caller: that key's limits now. */
  scopeOfKey(row: Pick<ExecutionRow, 'tenant_id' | 'mode' | 'api_key_id'>): Promise<TenantScope>;
  /** Whether the scope has a place among the runs in flight now; 429 RATE_LIMITED when full (nothing is taken). */
  admitInFlight(scope: TenantScope): Promise<void>;
  /** The secrets a call outside a run (a tool test) has: `sent`, and the managed secrets `sources` name, opened. */
  secretsFor(scope: TenantScope, sent: Record<string, string>, sources: unknown[]): Promise<Record<string, string>>;
  /** The tool runner runs use: a tool test and an MCP discovery call a tool as a run would. */
  tools: Pick<ToolRunner, 'run' | 'describeMcpTools'>;
}

/** The runs layer over `deps`; `initialCredits` is what a tenant (per mode) starts with when a run is its first. */
export function createRuns(deps: WorkerDeps, settings: { initialCredits: number }): Runs {
  const { db, models, ids, clock, vault, leases } = deps;
  const admission: AdmissionDeps = { db, models, ids, clock, vault, leases, settings };
  return {
    prepare: (request) => prepareRun(admission, request),
    resolveFlowVersion: (scope, flowIdOrSlug, wanted, paths) => resolveFlowVersion(deps.db, scope, flowIdOrSlug, wanted, paths),
    pausedExecution: (scope, executionId) => pausedExecution(deps, scope, executionId),
    continuePaused: (row, pause, answers, scope) => continuePausedRun(deps, row, pause, answers, scope),
    cancelPaused: (row) => cancelPausedRun(deps, row),
    scopeOfKey: (row) => scopeOfKey(deps.db, deps.limits, row),
    admitInFlight: (scope) => admitInFlight(deps.db, scope),
    secretsFor: (scope, sent, sources) => withManagedSecrets(admission, scope, sent, sources),
    tools: {
      run: (tool, args, context) => deps.tools.run(tool, args, context),
      describeMcpTools: (servers, toolIds, signal, tenantId) => deps.tools.describeMcpTools(servers, toolIds, signal, tenantId),
    },
  };
}
