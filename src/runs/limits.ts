import { sql } from 'kysely';
import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import { isPostgres, type Database } from '../store/database.js';
import type { ExecutionRow } from '../store/executions-repository.js';
import { keyLimitsOf, type KeyLimits } from '../store/keys-repository.js';
import { runsInFlight, tenantRunsInFlight } from '../store/rate-limits-repository.js';
import { getTenantLimits, type TenantLimits } from '../store/tenant-limits-repository.js';

/** The operator's limits, from the server's settings; 0 everywhere means no limit. */
export interface LimitSettings {
  /** Per key, unless the key has a lower limit of its own; also the most a key made through the API may ask for. */
  rateLimitPerMinute: number;
  maxRunsInFlight: number;
  /** The tenant's keys together, per mode (unset: the per-key setting). */
  tenantRateLimitPerMinute?: number;
  tenantMaxRunsInFlight?: number;
  /** Active keys a tenant may hold per mode, and keys it may make per minute, through the API. */
  maxKeysPerTenant: number;
  keyCreationsPerMinute: number;
}

/** What one key may do: its own limits, its tenant's together, and the ceiling a key it makes may ask for. */
export interface EffectiveLimits {
  key: { rateLimitPerMinute: number; maxRunsInFlight: number };
  tenant: { rateLimitPerMinute: number; maxRunsInFlight: number };
  ceiling: { rateLimitPerMinute: number; maxRunsInFlight: number };
  maxKeys: number;
}

/** `value` held to `ceiling`, where 0 means no limit on either side. */
function within(value: number, ceiling: number): number {
  if (ceiling === 0) return value;
  return value === 0 ? ceiling : Math.min(value, ceiling);
}

/**
 * A key's limits: the tenant's ceiling is the operator's (an admin-set one for the tenant, else the server's
 * setting); a key's own limit applies only below it (a limit stored before the ceiling fell is held to it).
 */
export function effectiveLimits(own: KeyLimits, tenant: TenantLimits | null, settings: LimitSettings): EffectiveLimits {
  const ceiling = {
    rateLimitPerMinute: tenant?.rateLimitPerMinute ?? settings.rateLimitPerMinute,
    maxRunsInFlight: tenant?.maxRunsInFlight ?? settings.maxRunsInFlight,
  };
  return {
    ceiling,
    key: {
      rateLimitPerMinute: within(own.rateLimitPerMinute ?? ceiling.rateLimitPerMinute, ceiling.rateLimitPerMinute),
      maxRunsInFlight: within(own.maxRunsInFlight ?? ceiling.maxRunsInFlight, ceiling.maxRunsInFlight),
    },
    tenant: {
      rateLimitPerMinute: tenant?.rateLimitPerMinute ?? settings.tenantRateLimitPerMinute ?? settings.rateLimitPerMinute,
      maxRunsInFlight: tenant?.maxRunsInFlight ?? settings.tenantMaxRunsInFlight ?? settings.maxRunsInFlight,
    },
    maxKeys: tenant?.maxKeys ?? settings.maxKeysPerTenant,
  };
}

/**
 * Takes a place among the runs in flight of the scope's key and of its tenant, inside the transaction that
 * makes the run queued or running (a start, or a continuation of a paused run). Throws RATE_LIMITED (429,
 * Retry-After 1) when either is full. On SQLite writers are serialised by its write lock; on PostgreSQL the
 * key's and the tenant's runs are counted under advisory locks of their own, so two requests never both take
 * the last place.
 */
/**
 * The locks an admission takes (the key's and the tenant's runs in flight, where they are limited): two shared
 * transactions of one process that admit under the same limit commit one after the other, not side by side.
 */
export function admissionKeys(scope: TenantScope): string[] {
  const keys: string[] = [];
  if (scope.keyId !== undefined && (scope.maxRunsInFlight ?? 0) > 0) keys.push(`admit:key:${scope.keyId}`);
  if ((scope.tenantMaxRunsInFlight ?? 0) > 0) keys.push(`admit:tenant:${scope.tenantId}:${scope.mode}`);
  return keys;
}

export async function admitInFlight(trx: Database, scope: TenantScope): Promise<void> {
  const keyLimit = scope.keyId !== undefined ? (scope.maxRunsInFlight ?? 0) : 0;
  const tenantLimit = scope.tenantMaxRunsInFlight ?? 0;
  if (keyLimit > 0) {
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(hashtext(${scope.keyId!}))`.execute(trx);
    const running = await runsInFlight(trx, scope.keyId!);
    if (running >= keyLimit) throw inFlightRefusal(`this key may have ${keyLimit}`, `${running} runs of this key are`, keyLimit);
  }
  if (tenantLimit > 0) {
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(hashtext(${`tenant:${scope.tenantId}:${scope.mode}`}))`.execute(trx);
    const running = await tenantRunsInFlight(trx, scope.tenantId, scope.mode);
    if (running >= tenantLimit)
      throw inFlightRefusal(`this tenant's keys together may have ${tenantLimit}`, `${running} runs of this tenant are`, tenantLimit);
  }
}

function inFlightRefusal(who: string, count: string, limit: number): FlowrunError {
  return new FlowrunError(
    'RATE_LIMITED',
    `Too many runs in flight: ${who} queued or running at once`,
    [{ code: 'RATE_LIMITED', message: `${count} queued or running; the limit is ${limit}` }],
    { retryAfterSeconds: 1 },
  );
}

/** The scope a run is continued under when its own key is not the caller (an approval's timeout): that key's limits now. */
export async function scopeOfKey(
  db: Database,
  settings: LimitSettings,
  row: Pick<ExecutionRow, 'tenant_id' | 'mode' | 'api_key_id'>,
): Promise<TenantScope> {
  const run = { tenantId: row.tenant_id, mode: row.mode === 'live' ? ('live' as const) : ('test' as const), keyId: row.api_key_id };
  const [own, tenant] = await Promise.all([run.keyId ? keyLimitsOf(db, run.keyId) : null, getTenantLimits(db, run.tenantId, run.mode)]);
  const limits = effectiveLimits(own ?? { rateLimitPerMinute: null, maxRunsInFlight: null }, tenant, settings);
  return {
    tenantId: run.tenantId,
    mode: run.mode,
    ...(run.keyId ? { keyId: run.keyId, maxRunsInFlight: limits.key.maxRunsInFlight } : {}),
    tenantMaxRunsInFlight: limits.tenant.maxRunsInFlight,
  };
}
