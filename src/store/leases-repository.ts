import { type ExpressionBuilder, type Transaction } from 'kysely';
import { isPostgres, type Database } from './database.js';
import type { RunLease } from './executions-repository.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Run leases: a queued or running run belongs to the process named by its lease until the lease lapses. A process
 * renews all of its leases in one statement; another takes a run over only by compare-and-set on the lease it
 * saw, so of several processes that find the same lapsed run exactly one continues it.
 */

const live = ['queued', 'running'] as const;

/**
 * Extends `owner`'s lease on each of `ids` (the runs it is working on) to `expiresAt`, and says which of them it
 * has lost (another process holds it now) and which have a cancel recorded (see requestCancel). A lease is
 * renewed only for runs named here: a run its process keeps no work for (queued in a queue that lost it,
 * stuck after an error) lapses and is taken over by a recovery sweep.
 */
export async function renewLeases(
  db: Database,
  owner: string,
  ids: readonly string[],
  expiresAt: number,
): Promise<{ lost: string[]; cancelRequested: string[] }> {
  const lost: string[] = [];
  const cancelRequested: string[] = [];
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    // On PostgreSQL a run's row may be locked by this process's own commit of it right now: that row is skipped
    // (renewed next time, a third of a lease later) rather than waited for, so a renewal never deadlocks with a
    // commit that locks the same rows in another order.
    await db
      .updateTable('executions')
      .set({ lease_expires_at: expiresAt })
      .where('lease_owner', '=', owner)
      .where('status', 'in', live)
      .$if(!isPostgres(db), (query) => query.where('id', 'in', chunk))
      .$if(isPostgres(db), (query) =>
        query.where('id', 'in', (eb) =>
          eb
            .selectFrom('executions')
            .select('id')
            .where('id', 'in', chunk)
            .where('lease_owner', '=', owner)
            .where('status', 'in', live)
            .forUpdate()
            .skipLocked(),
        ),
      )
      .execute();
    const rows = await db
      .selectFrom('executions')
      .select(['id', 'lease_owner', 'cancel_requested_at'])
      .where('id', 'in', chunk)
      .where('status', 'in', live)
      .execute();
    for (const row of rows) {
      if (row.lease_owner !== owner) lost.push(row.id);
      else if (row.cancel_requested_at !== null) cancelRequested.push(row.id);
    }
  }
  return { lost, cancelRequested };
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

/** Up to `limit` queued or running runs whose lease expired before `now` (or that have none), oldest first. */
export async function lapsedRuns(db: Database, now: number, limit: number) {
  return db
    .selectFrom('executions')
    .selectAll()
    .where('status', 'in', live)
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** Takes a run's lease if it is still the one `seen` (compare-and-set): false when another process got there first. */
export async function takeOverLease(
  db: Database,
  id: string,
  seen: { owner: string | null; expiresAt: number | null },
  lease: RunLease,
): Promise<boolean> {
  const matches = (eb: ExpressionBuilder<DatabaseSchema, 'executions'>) =>
    eb.and([
      eb('id', '=', id),
      eb('status', 'in', live),
      seen.owner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', seen.owner),
      seen.expiresAt === null ? eb('lease_expires_at', 'is', null) : eb('lease_expires_at', '=', seen.expiresAt),
    ]);
  const update = db.updateTable('executions').set({ lease_owner: lease.owner, lease_expires_at: lease.expiresAt }).where(matches);
  // On PostgreSQL the row may be locked by a frozen holder's open transaction: the take passes it by (the next
  // sweep tries again, once the server ended that session) instead of waiting on it with every run behind it.
  // One statement: the row is locked by the subquery only if no one holds it (SKIP LOCKED).
  const taken = isPostgres(db)
    ? update.where('id', 'in', db.selectFrom('executions').select('id').where(matches).forUpdate().skipLocked())
    : update;
  return Number((await taken.executeTakeFirst()).numUpdatedRows) === 1;
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
  return row !== undefined && row.lease_owner === owner;
}
