import type { TenantScope } from '../protocol/tenant.js';
import type { StoreTransaction } from './database.js';

/** A settlement's ledger entry, written with the shared transaction's balance changes. */
export interface DeferredLedgerEntry {
  id: string;
  delta: number;
  reason: string;
  executionId: string | null;
  createdAt: string;
}

/** What a deferred change learns when its transaction's balances are written: the balance right after it. */
export interface BalanceAfter {
  balance: number;
}

interface Change {
  key: string;
  scope: TenantScope;
  delta: number;
  entry?: DeferredLedgerEntry;
  after: BalanceAfter;
}

/** The batch's changes would take a tenant's balance below zero: the batch is committed again, change by change. */
export class BalanceShort extends Error {
  constructor() {
    super('the shared transaction would overdraw a balance');
  }
}

/**
 * The credit balance changes of one shared transaction (commit-batcher.ts), written once per tenant and mode
 * just before it commits instead of once per run. Every run's start and end changes its tenant's one balance
 * row; changed by each run, concurrent transactions queued on that row's lock, each holding it from its first
 * change to its commit. Written last, the lock is held for one statement and the commit.
 *
 * Only changes whose amount does not depend on the balance are deferred: a reservation (a conditional take,
 * checked here for the batch's sum: if the sum would overdraw, the batch is committed again with each
 * reservation checked on its own) and a settlement that gives back what it did not spend.
 */
export class BalanceBook {
  private readonly changes: Change[] = [];
  private mark = 0;

  /** A change of `delta` credits (negative: a reservation); `entry`, its ledger entry, if it has one. */
  change(scope: TenantScope, delta: number, entry?: DeferredLedgerEntry): BalanceAfter {
    const after: BalanceAfter = { balance: 0 };
    this.changes.push({ key: `${scope.tenantId}\u0000${scope.mode}`, scope, delta, ...(entry ? { entry } : {}), after });
    return after;
  }

  /** A work starts: its changes can be dropped alone (its savepoint rolled back). */
  begin(): void {
    this.mark = this.changes.length;
  }

  /** The current work was rolled back: so are its changes. */
  dropCurrent(): void {
    this.changes.length = this.mark;
  }

  /**
   * Writes the balances (one conditional update per tenant and mode, in key order so two transactions never
   * wait on each other's rows) and the ledger entries (one insert), each entry with the balance right after it
   * in the order the works asked.
   */
  async apply(trx: StoreTransaction): Promise<void> {
    if (this.changes.length === 0) return;
    const byKey = new Map<string, Change[]>();
    for (const change of this.changes) {
      const list = byKey.get(change.key);
      if (list) list.push(change);
      else byKey.set(change.key, [change]);
    }
    const entries: Array<DeferredLedgerEntry & { scope: TenantScope; balanceAfter: number }> = [];
    for (const key of [...byKey.keys()].sort()) {
      const changes = byKey.get(key)!;
      const net = changes.reduce((sum, change) => sum + change.delta, 0);
      const takes = changes.some((change) => change.delta < 0);
      const scope = changes[0]!.scope;
      const row = await trx
        .updateTable('credit_balances')
        .set((eb) => ({ balance: eb('balance', '+', net) }))
        .where('tenant_id', '=', scope.tenantId)
        .where('mode', '=', scope.mode)
        .$if(takes, (query) => query.where((eb) => eb(eb('balance', '+', net), '>=', 0)))
        .returning('balance')
        .executeTakeFirst();
      if (!row && takes) throw new BalanceShort();
      let balance = Number(row?.balance ?? 0) - net;
      for (const change of changes) {
        balance += change.delta;
        change.after.balance = balance;
        if (change.entry) entries.push({ ...change.entry, scope, balanceAfter: balance });
      }
    }
    if (entries.length === 0) return;
    await trx
      .insertInto('credit_ledger')
      .values(
        entries.map((entry) => ({
          id: entry.id,
          tenant_id: entry.scope.tenantId,
          mode: entry.scope.mode,
          delta: entry.delta,
          balance_after: entry.balanceAfter,
          reason: entry.reason,
          execution_id: entry.executionId,
          created_at: entry.createdAt,
        })),
      )
      .execute();
  }
}

const books = new WeakMap<StoreTransaction, BalanceBook>();

/** The balance book of a shared transaction, if `trx` is one that defers its balance changes. */
export function balanceBookOf(trx: unknown): BalanceBook | undefined {
  return books.get(trx as StoreTransaction);
}

export function openBalanceBook(trx: StoreTransaction): BalanceBook {
  const book = new BalanceBook();
  books.set(trx, book);
  return book;
}
