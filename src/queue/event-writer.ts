import { isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';

/** An event with its stored form, serialised once when it is recorded (so a bad event fails only its own run). */
export interface RecordedEvent {
  event: ExecutionEvent;
  json: string;
}

/**
 * Group commit for events: events queue in memory and are written in one transaction per flush, every
 * `intervalMs` or when `maxBatch` wait. Token deltas thus cost no write each. Until written, `pending()`
 * serves them to readers, so a reader that merges the store with `pending()` and the bus misses nothing.
 */
export interface EventWriter {
  enqueue(recorded: RecordedEvent): void;
  pending(executionId: string): ExecutionEvent[];
  /** Writes everything queued so far; resolves once it is committed. */
  flush(): Promise<void>;
  /**
   * Writes everything queued so far together with `commit`'s own writes, in one transaction (`commit` gets the
   * events and must store them): a checkpoint and the events before it become durable together or not at all.
   * Rejects with `commit`'s error; the queued events of other runs are kept (transient failure) or written
   * on their own (any other failure).
   */
  flushWith(commit: (events: RecordedEvent[]) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface EventWriterOptions {
  intervalMs: number;
  maxBatch: number;
  /** Whether a failed write may succeed if tried again (a busy or locked database); others are never re-queued. */
  isTransient: (error: unknown) => boolean;
  onError: (error: unknown) => void;
  /** A run whose events cannot be written even on their own: its events are dropped and the run must be stopped. */
  onRunFailed: (executionId: string, error: unknown) => void;
}

export function createEventWriter(write: (events: RecordedEvent[]) => Promise<void>, options: EventWriterOptions): EventWriter {
  let queue: RecordedEvent[] = [];
  let inFlight: RecordedEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const stopTimer = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
  };

  // A batch that failed for a lasting reason is never put back whole (it would fail every later flush of
  // every run): each run's events are written on their own, and a run whose events still fail is dropped.
  const isolate = async (batch: RecordedEvent[]): Promise<void> => {
    const byRun = new Map<string, RecordedEvent[]>();
    for (const recorded of batch) {
      const id = recorded.event.executionId;
      byRun.set(id, [...(byRun.get(id) ?? []), recorded]);
    }
    for (const [executionId, events] of byRun) {
      try {
        await write(events);
      } catch (error) {
        if (options.isTransient(error)) queue = [...events, ...queue];
        else options.onRunFailed(executionId, error);
      }
    }
  };

  const recover = async (batch: RecordedEvent[], error: unknown): Promise<void> => {
    options.onError(error);
    if (options.isTransient(error)) queue = [...batch, ...queue];
    else await isolate(batch);
  };

  // A run's last event (complete, error, paused) is committed only with its final state, never by the timer:
  // a crash between the two would otherwise leave an ended log for a run that recovery must continue.
  const flush = (includeTerminal = true): Promise<void> => {
    stopTimer();
    flushing = flushing.then(async () => {
      if (queue.length === 0) return;
      const held = includeTerminal ? [] : queue.filter((recorded) => isTerminalEvent(recorded.event));
      inFlight = includeTerminal ? queue : queue.filter((recorded) => !isTerminalEvent(recorded.event));
      queue = held;
      if (inFlight.length === 0) return;
      const batch = inFlight;
      try {
        await write(batch);
      } catch (error) {
        await recover(batch, error);
      } finally {
        inFlight = [];
      }
    });
    return flushing;
  };

  const flushWith = (commit: (events: RecordedEvent[]) => Promise<void>): Promise<void> => {
    stopTimer();
    const done = flushing.then(async () => {
      const batch = queue;
      inFlight = batch;
      queue = [];
      try {
        await commit(batch);
      } catch (error) {
        await recover(batch, error);
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
    enqueue(recorded) {
      queue.push(recorded);
      if (queue.length >= options.maxBatch) void flush(false);
      else if (!timer) timer = setTimeout(() => void flush(false), options.intervalMs);
    },
    pending(executionId) {
      return [...inFlight, ...queue].filter((recorded) => recorded.event.executionId === executionId).map((recorded) => recorded.event);
    },
    flush: () => flush(true),
    async close() {
      await flush(true);
    },
  };
}
