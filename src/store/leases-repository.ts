import type { Transaction } from 'kysely';
import { isPostgres, type Database } from './database.js';
import type { RunLease } from './executions-repository.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Run leases: a queued or running run belongs to the process named by its lease until the lease lapses. A process
 * renews all of its leases in one statement; another takes a run over only by compare-and-set on the lease it
 * saw, so of several processes that find the same lapsed run exactly one continues it.
 */

const live = ['queued', 'running'] as const;

/** Extends every lease `owner` holds on a queued or running run to `expiresAt`. Returns how many it holds. */
export async function renewLeases(db: Database, owner: string, expiresAt: number): Promise<number> {
  // On PostgreSQL a run's row may be locked by this process's own commit of it right now: that row is skipped
  // (renewed next time, a third of a lease later) rather than waited for, so a renewal never deadlocks with a
  // commit that locks the same rows in another order.
  const result = await db
    .updateTable('executions')
    .set({ lease_expires_at: expiresAt })
    .where('lease_owner', '=', owner)
    .where('status', 'in', live)
    .$if(isPostgres(db), (query) =>
      query.where('id', 'in', (eb) =>
        eb.selectFrom('executions').select('id').where('lease_owner', '=', owner).where('status', 'in', live).forUpdate().skipLocked(),
      ),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The queued or running runs `owner` holds whose cancel is recorded (see requestCancel). */
export async function cancelRequestedRuns(db: Database, owner: string): Promise<string[]> {
  const rows = await db
    .selectFrom('executions')
    .select('id')
    .where('lease_owner', '=', owner)
    .where('status', 'in', live)
    .where('cancel_requested_at', 'is not', null)
    .execute();
  return rows.map((row) => row.id);
}

/** Ends every lease `owner` holds now (a process stopping with runs unfinished): others may continue them at once. */
export async function releaseLeases(db: Database, owner: string): Promise<void> {
  await db.updateTable('executions').set({ lease_expires_at: 0 }).where('lease_owner', '=', owner).where('status', 'in', live).execute();
}

/** Each process holding queued or running runs (null: runs without a lease), with the latest expiry among them. */
export async function leaseHolders(db: Database): Promise<{ owner: string | null; expiresAt: number | null; runs: number }[]> {
  const rows = await db
    .selectFrom('executions')
    .select((eb) => ['lease_owner', eb.fn.max('lease_expires_at').as('expires_at'), eb.fn.countAll().as('runs')])
    .where('status', 'in', live)
    .groupBy('lease_owner')
    .execute();
  return rows.map((row) => ({
    owner: row.lease_owner,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    runs: Number(row.runs),
  }));
}

/** The queued or running runs one holder (null: no holder) leases, oldest first. */
export async function runsLeasedBy(db: Database, owner: string | null) {
  return db
    .selectFrom('executions')
    .selectAll()
    .where('status', 'in', live)
    .where((eb) => (owner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', owner)))
    .orderBy('created_at')
    .execute();
}

/** Takes a run's lease if it is still the one `seen` (compare-and-set): false when another process got there first. */
export async function takeOverLease(
  db: Database,
  id: string,
  seen: { owner: string | null; expiresAt: number | null },
  lease: RunLease,
): Promise<boolean> {
  const result = await db
    .updateTable('executions')
    .set({ lease_owner: lease.owner, lease_expires_at: lease.expiresAt })
    .where('id', '=', id)
    .where('status', 'in', live)
    .where((eb) => (seen.owner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', seen.owner)))
    .where((eb) => (seen.expiresAt === null ? eb('lease_expires_at', 'is', null) : eb('lease_expires_at', '=', seen.expiresAt)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Whether `owner` still holds the run, read inside the transaction that ends it (fencing): a process that lost
 * its lease (it stalled past the lease and another took the run over) must not write the run's end.
 */
export async function holdsLease(trx: Transaction<DatabaseSchema>, id: string, owner: string): Promise<boolean> {
  const row = await trx
    .selectFrom('executions')
    .select('lease_owner')
    .where('id', '=', id)
    .$if(isPostgres(trx), (query) => query.forUpdate())
    .executeTakeFirst();
  return row !== undefined && (row.lease_owner === null || row.lease_owner === owner);
}
