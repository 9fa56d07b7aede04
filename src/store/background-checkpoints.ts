import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface BackgroundCheckpoints {
  stop(): Promise<void>;
}

// The worker's code: its own connection to the same file, a PASSIVE checkpoint every interval. PASSIVE never
// waits for a lock and never blocks a writer: it copies what it can and returns.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or locked: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * Keeps SQLite's WAL checkpoints off the event loop. A checkpoint copies the pages committed to the WAL into the
 * database file; run by the committing connection (SQLite's auto-checkpoint), one that had to copy thousands of
 * pages stalled every request for ~110 ms (docs/benchmarks.md). A worker thread now does that copying every
 * `intervalMs`; the auto-checkpoint on the main connection is left at SQLite's default and only finishes what
 * the worker has not yet copied (a few milliseconds of commits), which also lets the next commit start the WAL
 * over, so it stays small under constant writes.
 */
export function startBackgroundCheckpoints(file: string, intervalMs: number, onError: (error: Error) => void): BackgroundCheckpoints {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { file, intervalMs, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  worker.unref();
  // A failed worker leaves the checkpoints to SQLite's auto-checkpoint, as without it.
  worker.on('error', onError);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.ref(); // the process waits for the worker to close its connection
      worker.postMessage('stop');
      await exited;
    },
  };
}
