import { CompiledQuery } from 'kysely';
import { BalanceShort, openBalanceBook, type BalanceBook } from './balance-book.js';
import { isPostgres, isTransientStoreError, type Database, type StoreTransaction } from './database.js';

export type Work<T> = (trx: StoreTransaction) => Promise<T>;

interface Entry {
  work: Work<unknown>;
  keys: readonly string[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Batcher {
  pending: Entry[];
  scheduled: boolean;
  inFlight: number;
  /** The keys of the works in the transactions committing now: a work with one of them waits for the next. */
  busy: Map<string, number>;
  /** Shared transactions committing at once: one on SQLite (one writer), several on PostgreSQL. */
  maxInFlight: number;
}

/**
 * Shared transactions one PostgreSQL store commits at once. One at a time, a process's commit rate was its
 * statements' round trips, not its CPU or the database's; several at once no longer queue on one row since the
 * balance changes are written last (balance-book.ts). Measured with `bench:scale` (docs/benchmarks.md).
 */
const postgresInFlight = 4;

const batchers = new WeakMap<Database, Batcher>();

/**
 * Runs `work` in a transaction shared with the other work asked for in the same turn of the event loop (and
 * while the previous shared transaction was committing): group commit. Under load, a run's start, its
 * checkpoints and its end share their commit with other runs' instead of paying one each; on SQLite that is
 * also one write lock taken instead of dozens, which is what lets several processes share the file.
 *
 * A work that throws is rolled back alone and its caller alone gets the error; the others commit. (The works
 * run without savepoints first, two statements fewer each; if one throws, the transaction is rolled back and
 * run again with each work in a savepoint of its own.) A transaction that fails as a whole (the database busy,
 * a deadlock, a lost connection) is tried again, with every work run anew, up to `attempts` times; then every
 * caller gets its error. Works run in the order they were asked for; on PostgreSQL several shared transactions
 * commit at once, and `keys` (a run's id, a limit's name) keep the order where it matters: a work waits while a
 * transaction with one of its keys commits. A work must use only `trx` (never `db`, which would wait for the
 * next batch, behind this one). Credit balance changes go through `trx`'s balance book (balance-book.ts).
 */
export function inSharedTransaction<T>(db: Database, work: Work<T>, keys: readonly string[] = []): Promise<T> {
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = { pending: [], scheduled: false, inFlight: 0, busy: new Map(), maxInFlight: isPostgres(db) ? postgresInFlight : 1 };
    batchers.set(db, batcher);
  }
  const state = batcher;
  return new Promise<T>((resolve, reject) => {
    state.pending.push({ work, keys, resolve: resolve as (value: unknown) => void, reject });
    schedule(db, state);
  });
}

function schedule(db: Database, state: Batcher): void {
  if (state.scheduled || state.inFlight >= state.maxInFlight || state.pending.length === 0) return;
  state.scheduled = true;
  setImmediate(() => {
    state.scheduled = false;
    void drain(db, state);
  });
}

/** The pending works that can commit now, in order: none whose key is committing, or held by an earlier one that waits. */
function takeBatch(state: Batcher): Entry[] {
  if (state.busy.size === 0) {
    const all = state.pending;
    state.pending = [];
    return all;
  }
  const blocked = new Set(state.busy.keys());
  const taken: Entry[] = [];
  const left: Entry[] = [];
  for (const entry of state.pending) {
    if (entry.keys.some((key) => blocked.has(key))) {
      for (const key of entry.keys) blocked.add(key);
      left.push(entry);
    } else taken.push(entry);
  }
  state.pending = left;
  return taken;
}

async function drain(db: Database, state: Batcher): Promise<void> {
  const batch = takeBatch(state);
  if (batch.length === 0) return;
  state.inFlight++;
  const keys = batch.flatMap((entry) => entry.keys);
  for (const key of keys) state.busy.set(key, (state.busy.get(key) ?? 0) + 1);
  // Another transaction may start beside this one with what is asked for meanwhile.
  schedule(db, state);
  try {
    await commitBatch(db, batch);
  } finally {
    state.inFlight--;
    for (const key of keys) {
      const count = state.busy.get(key)! - 1;
      if (count === 0) state.busy.delete(key);
      else state.busy.set(key, count);
    }
    schedule(db, state);
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How a batch is committed: its works in savepoints or not, its balance changes deferred to its end or not. */
interface Manner {
  savepoints: boolean;
  deferBalances: boolean;
}

async function commitBatch(db: Database, batch: Entry[], attempts = 5): Promise<void> {
  const manner: Manner = { savepoints: false, deferBalances: true };
  for (let attempt = 1; ;) {
    const outcomes: Outcome[] = [];
    try {
      await db.transaction().execute((trx) => runWorks(trx, batch, manner, outcomes));
    } catch (error) {
      if (error instanceof BalanceShort) {
        // The batch's reservations together would overdraw: each is checked on its own.
        manner.deferBalances = false;
        continue;
      }
      if (batch.length === 1 && !isTransientStoreError(error)) return batch[0]!.reject(error);
      if (!manner.savepoints && !isTransientStoreError(error)) {
        // A work failed: again, each in its savepoint, so it fails alone.
        manner.savepoints = true;
        continue;
      }
      if (attempt++ < attempts && isTransientStoreError(error)) {
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
        continue;
      }
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
    return;
  }
}

async function runWorks(trx: StoreTransaction, batch: Entry[], manner: Manner, outcomes: Outcome[]): Promise<void> {
  const book: BalanceBook | undefined = manner.deferBalances ? openBalanceBook(trx) : undefined;
  // One work alone needs no savepoint: its failure is the transaction's.
  const savepoints = manner.savepoints && batch.length > 1;
  for (const entry of batch) {
    book?.begin();
    if (!savepoints) outcomes.push({ ok: true, value: await entry.work(trx) });
    else {
      const outcome = await inSavepoint(trx, entry.work);
      if (!outcome.ok) book?.dropCurrent();
      outcomes.push(outcome);
    }
  }
  await book?.apply(trx);
}

const savepoint = CompiledQuery.raw('savepoint batched_work');
const release = CompiledQuery.raw('release savepoint batched_work');
const rollback = CompiledQuery.raw('rollback to savepoint batched_work');

async function inSavepoint(trx: StoreTransaction, work: Work<unknown>): Promise<Outcome> {
  await trx.executeQuery(savepoint);
  try {
    const value = await work(trx);
    await trx.executeQuery(release);
    return { ok: true, value };
  } catch (error) {
    // A failure of the transaction itself (the connection lost) fails the batch; a work's own failure is its own.
    await trx.executeQuery(rollback);
    await trx.executeQuery(release);
    return { ok: false, error };
  }
}
