import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';

/** The execution an Idempotency-Key started within `windowMs`, if any. */
export async function findIdempotentExecution(
  db: Database,
  scope: TenantScope,
  key: string,
  now: number,
  windowMs: number,
): Promise<string | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['execution_id', 'created_at'])
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row || Number(row.created_at) < now - windowMs) return null;
  return row.execution_id;
}

/** Binds a key to an execution (replacing an expired binding). */
export async function rememberIdempotencyKey(
  db: Database,
  scope: TenantScope,
  key: string,
  executionId: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ tenant_id: scope.tenantId, mode: scope.mode, key, execution_id: executionId, created_at: now })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'mode', 'key']).doUpdateSet({ execution_id: executionId, created_at: now }))
    .execute();
}
