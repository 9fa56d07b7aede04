import type { KeyMode } from '../protocol/tenant.js';
import type { Database } from './database.js';

/** The operator's ceiling for one tenant and mode; a null field takes the server's setting. */
export interface TenantLimits {
  rateLimitPerMinute: number | null;
  maxRunsInFlight: number | null;
  maxKeys: number | null;
}

export async function getTenantLimits(db: Database, tenantId: string, mode: KeyMode): Promise<TenantLimits | null> {
  const row = await db
    .selectFrom('tenant_limits')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('mode', '=', mode)
    .executeTakeFirst();
  if (!row) return null;
  const number = (value: number | null) => (value === null ? null : Number(value));
  return {
    rateLimitPerMinute: number(row.rate_limit_per_minute),
    maxRunsInFlight: number(row.max_runs_in_flight),
    maxKeys: number(row.max_keys),
  };
}

/** Sets a tenant's ceiling (fields left out keep their value; null goes back to the server's setting). */
export async function setTenantLimits(
  db: Database,
  scope: { tenantId: string; mode: KeyMode },
  limits: Partial<TenantLimits>,
  now: string,
): Promise<TenantLimits> {
  const current = (await getTenantLimits(db, scope.tenantId, scope.mode)) ?? {
    rateLimitPerMinute: null,
    maxRunsInFlight: null,
    maxKeys: null,
  };
  const next = { ...current, ...limits };
  const row = {
    rate_limit_per_minute: next.rateLimitPerMinute,
    max_runs_in_flight: next.maxRunsInFlight,
    max_keys: next.maxKeys,
    updated_at: now,
  };
  await db
    .insertInto('tenant_limits')
    .values({ tenant_id: scope.tenantId, mode: scope.mode, ...row })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'mode']).doUpdateSet(row))
    .execute();
  return next;
}
