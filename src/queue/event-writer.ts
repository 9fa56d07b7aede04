import { isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';

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
  /**
   * Writes everything queued so far together with `commit`'s own writes, in one transaction (`commit` gets the
   * events and must store them): a checkpoint and the events before it become durable together or not at all.
   */
  flushWith(commit: (events: ExecutionEvent[]) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export function createEventWriter(write: (events: ExecutionEvent[]) => Promise<void>, options: { intervalMs: number; maxBatch: number; onError: (error: unknown) => void }): EventWriter {
  let queue: ExecutionEvent[] = [];
  let inFlight: ExecutionEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  // A run's last event (complete, error, paused) is committed only with its final state, never by the timer:
  // a crash between the two would otherwise leave an ended log for a run that recovery must continue.
  const flush = (includeTerminal = true): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    flushing = flushing.then(async () => {
      if (queue.length === 0) return;
      const held = includeTerminal ? [] : queue.filter((event) => isTerminalEvent(event));
      inFlight = includeTerminal ? queue : queue.filter((event) => !isTerminalEvent(event));
      queue = held;
      if (inFlight.length === 0) return;
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

  const flushWith = (commit: (events: ExecutionEvent[]) => Promise<void>): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const done = flushing.then(async () => {
      inFlight = queue;
      queue = [];
      try {
        await commit(inFlight);
      } catch (error) {
        queue = [...inFlight, ...queue];
        throw error;
      } finally {
        inFlight = [];
      }
    });
    flushing = done.catch(() => undefined);
    return done;
  };

  return {
    flushWith,
    enqueue(event) {
      queue.push(event);
      if (queue.length >= options.maxBatch) void flush(false);
      else if (!timer) timer = setTimeout(() => void flush(false), options.intervalMs);
    },
    pending(executionId) {
      return [...inFlight, ...queue].filter((event) => event.executionId === executionId);
    },
    flush: () => flush(true),
    async close() {
      await flush(true);
    },
  };
}
