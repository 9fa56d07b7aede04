import type { KeyMode } from '../protocol/tenant.js';
import type { Database } from './database.js';

/**
 * Counts a request against its key's window (fixed one-minute windows, numbered by start time) and returns the
 * count so far, in one statement: every process on this store shares the count.
 */
export async function countHit(db: Database, keyId: string, windowStart: number): Promise<number> {
  const row = await db
    .insertInto('rate_limit_windows')
    .values({ key_id: keyId, window_start: windowStart, hits: 1 })
    .onConflict((conflict) =>
      conflict.columns(['key_id', 'window_start']).doUpdateSet((eb) => ({ hits: eb('rate_limit_windows.hits', '+', 1) })),
    )
    .returning('hits')
    .executeTakeFirstOrThrow();
  return Number(row.hits);
}

/** Drops the windows that ended before `before`. */
export async function dropWindows(db: Database, before: number): Promise<void> {
  await db.deleteFrom('rate_limit_windows').where('window_start', '<', before).execute();
}

/** A key's runs that are queued or running now (its child runs are part of their root run). */
export async function runsInFlight(db: Database, keyId: string): Promise<number> {
  const row = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.countAll().as('runs'))
    .where('api_key_id', '=', keyId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return Number(row?.runs ?? 0);
}

/** A tenant's root runs of one mode that are queued or running now (child runs are part of their root run). */
export async function tenantRunsInFlight(db: Database, tenantId: string, mode: KeyMode): Promise<number> {
  const row = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.countAll().as('runs'))
    .where('tenant_id', '=', tenantId)
    .where('mode', '=', mode)
    .where('status', 'in', ['queued', 'running'])
    .where('parent_execution_id', 'is', null)
    .executeTakeFirst();
  return Number(row?.runs ?? 0);
}
