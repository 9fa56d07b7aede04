import type { ExecutionEvent } from '../protocol/execution-event.js';

/**
 * Group commit for events: events queue in memory and are written in one transaction per flush, every
 * `intervalMs` or when `maxBatch` wait. Token deltas thus cost no write each. Until written, `pending()`
 * serves them to readers, so a reader that merges the store with `pending()` and the bus misses nothing.
 */
export interface EventWriter {
  enqueue(event: ExecutionEvent): void;
  pending(executionId: string): ExecutionEvent[];
  /** Writes everything queued so far; resolves once it is committed. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createEventWriter(write: (events: ExecutionEvent[]) => Promise<void>, options: { intervalMs: number; maxBatch: number; onError: (error: unknown) => void }): EventWriter {
  let queue: ExecutionEvent[] = [];
  let inFlight: ExecutionEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    flushing = flushing.then(async () => {
      if (queue.length === 0) return;
      inFlight = queue;
      queue = [];
      try {
        await write(inFlight);
      } catch (error) {
        options.onError(error);
        queue = [...inFlight, ...queue];
      } finally {
        inFlight = [];
      }
    });
    return flushing;
  };

  return {
    enqueue(event) {
      queue.push(event);
      if (queue.length >= options.maxBatch) void flush();
      else if (!timer) timer = setTimeout(() => void flush(), options.intervalMs);
    },
    pending(executionId) {
      return [...inFlight, ...queue].filter((event) => event.executionId === executionId);
    },
    flush,
    async close() {
      await flush();
    },
  };
}
