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

/** How long a claim may point at a run that does not exist yet before it counts as abandoned (its server died). */
export const claimGraceMs = 5_000;

/**
 * Claims a key for `executionId` unless a live binding holds it, in one statement, so of two first requests with
 * the same new key exactly one wins. A binding is live while younger than `windowMs`, unless its run was never
 * created within `claimGraceMs` (the server that claimed it died first). Returns the execution the key is bound
 * to after the attempt: `executionId` when this call claimed it, the first request's otherwise.
 */
export async function claimIdempotencyKey(
  db: Database,
  scope: TenantScope,
  key: string,
  executionId: string,
  now: number,
  windowMs: number,
): Promise<string> {
  await db
    .insertInto('idempotency_keys')
    .values({ tenant_id: scope.tenantId, mode: scope.mode, key, execution_id: executionId, created_at: now })
    .onConflict((conflict) =>
      conflict
        .columns(['tenant_id', 'mode', 'key'])
        .doUpdateSet({ execution_id: executionId, created_at: now })
        .where((eb) =>
          eb.or([
            eb('idempotency_keys.created_at', '<', now - windowMs),
            eb.and([
              eb('idempotency_keys.created_at', '<', now - claimGraceMs),
              eb.not(eb.exists(eb.selectFrom('executions').select('id').whereRef('executions.id', '=', 'idempotency_keys.execution_id'))),
            ]),
          ]),
        ),
    )
    .execute();
  const row = await db
    .selectFrom('idempotency_keys')
    .select('execution_id')
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return row.execution_id;
}

/** Gives a key back when the request that claimed it was refused before its run was created. */
export async function releaseIdempotencyKey(db: Database, scope: TenantScope, key: string, executionId: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('key', '=', key)
    .where('execution_id', '=', executionId)
    .execute();
}
