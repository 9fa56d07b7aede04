import { CompiledQuery } from 'kysely';
import { isTransientStoreError, type Database, type StoreTransaction } from './database.js';

export type Work<T> = (trx: StoreTransaction) => Promise<T>;

interface Entry {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Batcher {
  pending: Entry[];
  scheduled: boolean;
  running: boolean;
}

const batchers = new WeakMap<Database, Batcher>();

/**
 * Runs `work` in a transaction shared with the other work asked for in the same turn of the event loop (and
 * while the previous shared transaction was committing): group commit. Under load, a run's start, its
 * checkpoints and its end share their commit with other runs' instead of paying one each; on SQLite that is
 * also one write lock taken instead of dozens, which is what lets several processes share the file.
 *
 * Each work runs in a savepoint of its own: a work that throws is rolled back alone and its caller alone gets
 * the error; the others commit. A transaction that fails as a whole (the database busy, a deadlock, a lost
 * connection) is tried again, with every work run anew, up to `attempts` times; then every caller gets its error.
 * Works run in the order they were asked for. A work must use only `trx` (never `db`, which would wait for the
 * next batch, behind this one).
 */
export function inSharedTransaction<T>(db: Database, work: Work<T>): Promise<T> {
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = { pending: [], scheduled: false, running: false };
    batchers.set(db, batcher);
  }
  const state = batcher;
  return new Promise<T>((resolve, reject) => {
    state.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
    schedule(db, state);
  });
}

function schedule(db: Database, state: Batcher): void {
  if (state.scheduled || state.running) return;
  state.scheduled = true;
  setImmediate(() => {
    state.scheduled = false;
    void drain(db, state);
  });
}

async function drain(db: Database, state: Batcher): Promise<void> {
  const batch = state.pending;
  state.pending = [];
  if (batch.length === 0) return;
  state.running = true;
  try {
    await commitBatch(db, batch);
  } finally {
    state.running = false;
    if (state.pending.length > 0) schedule(db, state);
  }
}

async function commitBatch(db: Database, batch: Entry[], attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await db.transaction().execute(async (trx) => {
        // One work alone needs no savepoint: its failure is the transaction's.
        if (batch.length === 1) outcomes.push({ ok: true, value: await batch[0]!.work(trx) });
        else for (const entry of batch) outcomes.push(await inSavepoint(trx, entry.work));
      });
    } catch (error) {
      if (batch.length === 1 && !isTransientStoreError(error)) return batch[0]!.reject(error);
      if (attempt < attempts && isTransientStoreError(error)) {
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

const savepoint = CompiledQuery.raw('savepoint batched_work');
const release = CompiledQuery.raw('release savepoint batched_work');
const rollback = CompiledQuery.raw('rollback to savepoint batched_work');

async function inSavepoint(
  trx: StoreTransaction,
  work: Work<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
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
