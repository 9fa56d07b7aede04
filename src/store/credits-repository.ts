import { usdToCredits } from '../protocol/credits.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Transaction } from 'kysely';
import { balanceBookOf, type BalanceAfter } from './balance-book.js';
import { isPostgres, type Database } from './database.js';
import type { DatabaseSchema } from './schema.js';

/** A connection or an open transaction: settlement runs inside the run's final transaction. */
type Executor = Database | Transaction<DatabaseSchema>;

/**
 * The per-tenant (and per-mode) credit ledger: 1,000,000 credits = 1 USD. A balance row holds the current
 * balance; every change is also a ledger entry. Reservations make concurrent runs safe: a run reserves its
 * worst-case cost with one conditional update before it calls a model, and settles the difference after.
 */
export async function ensureBalance(db: Database, scope: TenantScope, initialCredits: number, entryId: string, now: string): Promise<void> {
  const inserted = await db
    .insertInto('credit_balances')
    .values({ tenant_id: scope.tenantId, mode: scope.mode, balance: initialCredits })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'mode']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 && initialCredits !== 0) {
    await db
      .insertInto('credit_ledger')
      .values({
        id: entryId,
        tenant_id: scope.tenantId,
        mode: scope.mode,
        delta: initialCredits,
        balance_after: initialCredits,
        reason: 'initial grant',
        execution_id: null,
        created_at: now,
      })
      .execute();
  }
}

export async function getBalance(db: Database, scope: TenantScope): Promise<number> {
  const row = await db
    .selectFrom('credit_balances')
    .select('balance')
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return Number(row?.balance ?? 0);
}

/**
 * Takes `amount` from the balance only if the balance covers it: false when it does not. In a shared transaction
 * the take is written with the transaction's other balance changes, checked for their sum (balance-book.ts).
 */
export async function reserveCredits(db: Executor, scope: TenantScope, amount: number): Promise<boolean> {
  const book = balanceBookOf(db);
  if (book) {
    book.change(scope, -amount);
    return true;
  }
  const row = await db
    .updateTable('credit_balances')
    .set((eb) => ({ balance: eb('balance', '-', amount) }))
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('balance', '>=', amount)
    .where('balance', '>', 0)
    .returning('balance')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Takes `amount` more from the balance for a running execution, only if the balance covers it, and adds it to
 * the execution's reservation, in one transaction. False when the balance does not cover it.
 */
export async function extendReservation(
  db: Database,
  scope: TenantScope,
  executionId: string,
  amount: number,
  owner?: string,
): Promise<'reserved' | 'short' | 'fenced'> {
  return db.transaction().execute(async (trx) => {
    // Fenced: only the process that holds the run may add to its reservation (a process that lost the run would
    // move credits into a reservation nobody settles).
    const held = await trx
      .updateTable('executions')
      .set((eb) => ({ credits_reserved: eb(eb.fn.coalesce('credits_reserved', eb.val(0)), '+', amount) }))
      .where('id', '=', executionId)
      .$if(owner !== undefined, (query) => query.where('lease_owner', '=', owner!).where('status', 'in', ['queued', 'running']))
      .executeTakeFirst();
    if (Number(held.numUpdatedRows) === 0) return 'fenced';
    const row = await trx
      .updateTable('credit_balances')
      .set((eb) => ({ balance: eb('balance', '-', amount) }))
      .where('tenant_id', '=', scope.tenantId)
      .where('mode', '=', scope.mode)
      .where('balance', '>=', amount)
      .returning('balance')
      .executeTakeFirst();
    if (!row) {
      await trx
        .updateTable('executions')
        .set((eb) => ({ credits_reserved: eb('credits_reserved', '-', amount) }))
        .where('id', '=', executionId)
        .execute();
      return 'short';
    }
    return 'reserved';
  });
}

/** A child run's cost, recorded for reading only: it is charged once, as part of its root run's cost. */
export async function recordChildCredits(db: Executor, executionId: string, costUsd: number): Promise<void> {
  await db
    .updateTable('executions')
    .set({ credits_used: usdToCredits(costUsd), credits_reserved: null })
    .where('id', '=', executionId)
    .execute();
}

/**
 * Settles a run: the reservation goes back and the actual cost is taken, in one statement; the balance never
 * goes below zero (a run that cost more than it reserved takes what is left). Returns the balance after.
 */
export async function settleCredits(
  trx: Executor,
  scope: TenantScope,
  reserved: number,
  actual: number,
  entry: { id: string; executionId: string; now: string; reason: string },
): Promise<{ balance: number; charged: number }> {
  const before = Number(
    (
      await trx
        .selectFrom('credit_balances')
        .select('balance')
        .where('tenant_id', '=', scope.tenantId)
        .where('mode', '=', scope.mode)
        // Read, then written below: on PostgreSQL another settlement must wait for this one (SQLite's writers
        // are serialised by its write lock, which this transaction holds from its start).
        .$if(isPostgres(trx), (query) => query.forUpdate())
        .executeTakeFirst()
    )?.balance ?? 0,
  );
  const available = before + reserved;
  const charged = Math.min(actual, available);
  const balance = available - charged;
  await trx
    .updateTable('credit_balances')
    .set({ balance })
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .execute();
  if (charged !== 0) {
    await trx
      .insertInto('credit_ledger')
      .values({
        id: entry.id,
        tenant_id: scope.tenantId,
        mode: scope.mode,
        delta: -charged,
        balance_after: balance,
        reason: entry.reason,
        execution_id: entry.executionId,
        created_at: entry.now,
      })
      .execute();
  }
  return { balance, charged };
}

export async function addCredits(
  db: Database,
  scope: TenantScope,
  amount: number,
  entry: { id: string; now: string; reason: string },
  initialCredits: number,
): Promise<number> {
  await ensureBalance(db, scope, initialCredits, `${entry.id}_init`, entry.now);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('credit_balances')
      .set((eb) => ({ balance: eb('balance', '+', amount) }))
      .where('tenant_id', '=', scope.tenantId)
      .where('mode', '=', scope.mode)
      .returning('balance')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('credit_ledger')
      .values({
        id: entry.id,
        tenant_id: scope.tenantId,
        mode: scope.mode,
        delta: amount,
        balance_after: Number(row.balance),
        reason: entry.reason,
        execution_id: null,
        created_at: entry.now,
      })
      .execute();
    return Number(row.balance);
  });
}

export interface LedgerEntry {
  id: string;
  delta: number;
  balanceAfter: number;
  reason: string;
  executionId: string | null;
  createdAt: string;
}

/** The ledger's entries, newest first, a page at a time. */
export async function listLedger(
  db: Database,
  scope: TenantScope,
  page: { limit: number; offset: number },
): Promise<{ items: LedgerEntry[]; total: number }> {
  const base = db.selectFrom('credit_ledger').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
    base.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
  ]);
  return {
    total: Number(count?.count ?? 0),
    items: rows.map((row) => ({
      id: row.id,
      delta: Number(row.delta),
      balanceAfter: Number(row.balance_after),
      reason: row.reason,
      executionId: row.execution_id,
      createdAt: row.created_at,
    })),
  };
}

export async function ledgerSum(db: Database, scope: TenantScope): Promise<number> {
  const row = await db
    .selectFrom('credit_ledger')
    .select((eb) => eb.fn.sum<number>('delta').as('total'))
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

/**
 * Settles a run's credits from its row: the reservation is returned, the cost so far is charged (added to
 * `credits_used`, at least `minimumCredits`: what the credit meter saw spent), and the reservation is cleared,
 * so a run settles once per pause or end. `creditsLeft` is the balance after; in a shared transaction that
 * writes its balance changes last (a run that spent no more than it reserved), it is filled in when they are
 * written, before the transaction commits. With `fence`, 'fenced' when that lease owner does not hold the run.
 */
export async function settleExecution(
  db: Executor,
  scope: TenantScope,
  executionId: string,
  costUsd: number,
  entry: { id: string; now: string },
  minimumCredits = 0,
  fence?: string,
): Promise<{ creditsUsed: number; creditsLeft: BalanceAfter } | 'fenced'> {
  const row = await db
    .selectFrom('executions')
    .select(['credits_reserved', 'credits_used', 'lease_owner'])
    .where('id', '=', executionId)
    .$if(isPostgres(db), (query) => query.forUpdate())
    .executeTakeFirst();
  // Fenced (read in the same statement): a process that lost the run's lease settles nothing of it.
  if (fence !== undefined && row?.lease_owner !== fence) return 'fenced';
  const reserved = Number(row?.credits_reserved ?? 0);
  const already = Number(row?.credits_used ?? 0);
  // A failed step's model calls (and a failed child run's) are not in the run's usage, but were paid for.
  const actual = Math.max(0, usdToCredits(costUsd) - already, minimumCredits);
  const book = balanceBookOf(db);
  let charged: number;
  let creditsLeft: BalanceAfter;
  if (book && actual <= reserved) {
    // What it did not spend goes back; the balance is not read, so its row is not locked until the end.
    charged = actual;
    const ledger = charged === 0 ? undefined : { id: entry.id, delta: -charged, reason: 'run', executionId, createdAt: entry.now };
    creditsLeft = book.change(scope, reserved - charged, ledger);
  } else {
    const settled = await settleCredits(db, scope, reserved, actual, { id: entry.id, executionId, now: entry.now, reason: 'run' });
    charged = settled.charged;
    creditsLeft = { balance: settled.balance };
  }
  await db
    .updateTable('executions')
    .set({ credits_reserved: null, credits_used: already + charged })
    .where('id', '=', executionId)
    .execute();
  return { creditsUsed: already + charged, creditsLeft };
}
