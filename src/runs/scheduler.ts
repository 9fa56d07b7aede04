import type { RunOutcome } from '../engine/run-flow.js';
import type { RunJob } from './execute-run.js';

/** Where runs are started. In-process here; a BullMQ scheduler has the same shape. */
export interface Scheduler {
  /** Starts the run (or queues it past the concurrency limit); resolves with its outcome. Rejects only on infrastructure failure. */
  submit(job: RunJob): Promise<RunOutcome>;
  /** Aborts a running or queued run; false when this scheduler does not hold it. */
  cancel(executionId: string): boolean;
  activeCount(): number;
  /** Whether this scheduler runs (or holds queued) the execution now. */
  holds(executionId: string): boolean;
  /** Resolves true when every run has ended, false when `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean>;
}

export function createInProcessScheduler(
  run: (job: RunJob, signal: AbortSignal) => Promise<RunOutcome>,
  options: {
    concurrency: number;
    /** Marks a run this scheduler holds (queued or running) for as long as it does (its lease is renewed). */
    hold?: (executionId: string) => () => void;
  },
): Scheduler {
  const controllers = new Map<string, AbortController>();
  const waiting: Array<() => void> = [];
  let running = 0;
  const idleWaiters = new Set<() => void>();

  const acquire = async (): Promise<void> => {
    if (running < options.concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  return {
    async submit(job) {
      const controller = new AbortController();
      const id = job.request.executionId;
      controllers.set(id, controller);
      const unhold = options.hold?.(id);
      try {
        await acquire();
        try {
          return await run(job, controller.signal);
        } finally {
          release();
        }
      } finally {
        unhold?.();
        controllers.delete(id);
        if (controllers.size === 0) for (const resolve of idleWaiters) resolve();
      }
    },
    cancel(executionId) {
      const controller = controllers.get(executionId);
      if (!controller) return false;
      controller.abort();
      return true;
    },
    activeCount: () => controllers.size,
    holds: (executionId) => controllers.has(executionId),
    drain(timeoutMs) {
      if (controllers.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          idleWaiters.delete(done);
          resolve(true);
        };
        const timer = setTimeout(() => {
          idleWaiters.delete(done);
          resolve(false);
        }, timeoutMs);
        idleWaiters.add(done);
      });
    },
  };
}
