import { FlowrunError } from '../protocol/errors.js';
import { isTransientStoreError } from '../store/database.js';

/** How long a run's store work is tried again while the store is away (FLOWRUN_COMMIT_RETRY_MS' default). */
export const defaultCommitRetryMs = 30_000;

/**
 * Runs `work` again after a transient store failure (a deadlock, a busy or restarting database, a lost
 * connection, a full disk) with backoff (50 ms doubling to 2 s) for `windowMs`, long enough for a database
 * restart; then fails with what kept the store away (DEPENDENCY_UNAVAILABLE, or STORAGE_FULL), never as the
 * step's own fault. What a run does with the store while it runs (its checkpoints, journal and end, its credit
 * reservations, its records) goes through here: a step is never failed for the store's hiccup.
 */
export async function whileTransient<T>(work: () => Promise<T>, windowMs: number = defaultCommitRetryMs): Promise<T> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientStoreError(error)) throw error;
      if (performance.now() - started >= windowMs) throw storeGaveOut(error, windowMs);
      const backoff = Math.min(2000, 50 * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * (backoff / 2)));
    }
  }
}

function storeGaveOut(error: unknown, windowMs: number): FlowrunError {
  const full = String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_FULL');
  const why = full ? 'the database disk is full' : `the database did not answer (${(error as Error).message})`;
  return new FlowrunError(
    full ? 'STORAGE_FULL' : 'DEPENDENCY_UNAVAILABLE',
    `the run's progress could not be stored for ${Math.round(windowMs / 1000)} s: ${why}`,
    [],
    {
      cause: error,
    },
  );
}
