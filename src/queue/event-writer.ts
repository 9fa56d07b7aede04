import { isStreamedDelta, isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';

/** An event with its stored form, serialised once when it is recorded (so a bad event fails only its own run). */
export interface RecordedEvent {
  event: ExecutionEvent;
  json: string;
}

/**
 * Group commit for events: events queue in memory and are written in one transaction per flush, `intervalMs`
 * after the first one queued or when `maxBatch` wait. Streamed deltas (one per token) alone wait longer
 * (`deltaIntervalMs`, up to `maxDeltas`): a flush then carries several of each stream's tokens, which the store
 * keeps as one row, instead of touching every running stream's pages every few milliseconds. They are not
 * durable before their step's checkpoint either way (docs/durability.md). Until written, `pending()`
 * serves them to readers, so a reader that merges the store with `pending()` and the bus misses nothing.
 */
export interface EventWriter {
  enqueue(recorded: RecordedEvent): void;
  pending(executionId: string): ExecutionEvent[];
  /** Writes everything queued so far; resolves once it is committed. */
  flush(): Promise<void>;
  /**
   * Writes everything queued so far (but other runs' held events: their completions and ends wait for their own
   * commits) together with `commit`'s own writes for run `executionId`, in one transaction (`commit` gets the
   * events and must store them): a checkpoint and the events before it become durable together or not at all.
   * Rejects with `commit`'s error; the queued events of other runs are kept (transient failure) or written
   * on their own (any other failure).
   */
  flushWith(executionId: string, commit: (events: RecordedEvent[]) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface EventWriterOptions {
  intervalMs: number;
  maxBatch: number;
  /** How long a queue of nothing but streamed deltas waits (default: `intervalMs`). */
  deltaIntervalMs?: number;
  /** How many streamed deltas may wait (default: `maxBatch`). */
  maxDeltas?: number;
  /** Whether a failed write may succeed if tried again (a busy or locked database); others are never re-queued. */
  isTransient: (error: unknown) => boolean;
  onError: (error: unknown) => void;
  /** A run whose events cannot be written even on their own: its events are dropped and the run must be stopped. */
  onRunFailed: (executionId: string, error: unknown) => void;
  /** Events that are committed now (or were dropped for good, with their run): what may be announced as stored. */
  onWritten?: (events: RecordedEvent[]) => void;
}

interface WriterState {
  write: (events: RecordedEvent[]) => Promise<void>;
  options: EventWriterOptions;
  queue: RecordedEvent[];
  inFlight: RecordedEvent[];
  timer: NodeJS.Timeout | null;
  /** When the armed timer fires (ms, performance clock). */
  timerDue: number;
  /** Queued events that are not streamed deltas. */
  others: number;
  flushing: Promise<void>;
}

export function createEventWriter(write: (events: RecordedEvent[]) => Promise<void>, options: EventWriterOptions): EventWriter {
  const state: WriterState = { write, options, queue: [], inFlight: [], timer: null, timerDue: 0, others: 0, flushing: Promise.resolve() };
  return {
    flushWith: (executionId, commit) => flushWith(state, executionId, commit),
    enqueue(recorded) {
      state.queue.push(recorded);
      const delta = isStreamedDelta(recorded.event);
      if (!delta) state.others++;
      if (state.others >= options.maxBatch || state.queue.length - state.others >= (options.maxDeltas ?? options.maxBatch)) {
        void flush(state, false);
        return;
      }
      armTimer(state, delta ? (options.deltaIntervalMs ?? options.intervalMs) : options.intervalMs);
    },
    pending(executionId) {
      return [...state.inFlight, ...state.queue]
        .filter((recorded) => recorded.event.executionId === executionId)
        .map((recorded) => recorded.event);
    },
    flush: () => flush(state, true),
    async close() {
      await flush(state, true);
    },
  };
}

/** Arms the flush timer to fire within `delayMs`, unless it is armed to fire sooner already. */
function armTimer(state: WriterState, delayMs: number): void {
  const due = performance.now() + delayMs;
  if (state.timer && state.timerDue <= due) return;
  stopTimer(state);
  state.timerDue = due;
  state.timer = setTimeout(() => void flush(state, false), delayMs);
}

function stopTimer(state: WriterState): void {
  if (state.timer) {
    clearTimeout(state.timer);
    state.timer = null;
  }
}

/** Puts events that could not be written back in front of the queue, to go with the next flush. */
function requeue(state: WriterState, events: RecordedEvent[]): void {
  state.queue = [...events, ...state.queue];
  state.others += events.filter((recorded) => !isStreamedDelta(recorded.event)).length;
}

/** Takes the queue for a write, leaving `kept` queued. */
function take(state: WriterState, kept: RecordedEvent[] = []): RecordedEvent[] {
  const taken = state.queue;
  state.queue = kept;
  state.others = kept.filter((recorded) => !isStreamedDelta(recorded.event)).length;
  return taken;
}

/**
 * A batch that failed for a lasting reason is never put back whole (it would fail every later flush of every
 * run): each run's events are written on their own, and a run whose events still fail is dropped.
 */
async function isolate(state: WriterState, batch: RecordedEvent[]): Promise<void> {
  const byRun = new Map<string, RecordedEvent[]>();
  for (const recorded of batch) {
    const id = recorded.event.executionId;
    byRun.set(id, [...(byRun.get(id) ?? []), recorded]);
  }
  for (const [executionId, events] of byRun) {
    try {
      await state.write(events);
      state.options.onWritten?.(events);
    } catch (error) {
      if (state.options.isTransient(error)) requeue(state, events);
      else {
        state.options.onRunFailed(executionId, error);
        state.options.onWritten?.(events);
      }
    }
  }
}

async function recover(state: WriterState, batch: RecordedEvent[], error: unknown): Promise<void> {
  state.options.onError(error);
  if (state.options.isTransient(error)) requeue(state, batch);
  else await isolate(state, batch);
}

// A run's last event (complete, error, paused) is committed only with its final state, and a step's completion
// only with its checkpoint, never by the timer or a full batch: a crash between the two would otherwise leave a
// log that says the run ended (or the step completed) while recovery must continue it (or run the step again).
const heldForCommit = (recorded: RecordedEvent): boolean => isTerminalEvent(recorded.event) || recorded.event.type === 'step_complete';

function flush(state: WriterState, includeHeld: boolean): Promise<void> {
  stopTimer(state);
  state.flushing = state.flushing.then(async () => {
    if (state.queue.length === 0) return;
    const held = includeHeld ? [] : state.queue.filter(heldForCommit);
    const taken = take(state, held);
    state.inFlight = includeHeld ? taken : taken.filter((recorded) => !heldForCommit(recorded));
    if (state.inFlight.length === 0) return;
    const batch = state.inFlight;
    try {
      await state.write(batch);
      state.options.onWritten?.(batch);
    } catch (error) {
      await recover(state, batch, error);
    } finally {
      state.inFlight = [];
    }
  });
  return state.flushing;
}

function flushWith(state: WriterState, executionId: string, commit: (events: RecordedEvent[]) => Promise<void>): Promise<void> {
  stopTimer(state);
  const done = state.flushing.then(async () => {
    // Another run's held events (a step's completion, a run's end) wait for that run's own commit.
    const othersHeld = state.queue.filter((recorded) => heldForCommit(recorded) && recorded.event.executionId !== executionId);
    const batch = othersHeld.length === 0 ? take(state) : take(state, othersHeld).filter((recorded) => !othersHeld.includes(recorded));
    state.inFlight = batch;
    try {
      await commit(batch);
      state.options.onWritten?.(batch);
    } catch (error) {
      await recover(state, batch, error);
      throw error;
    } finally {
      state.inFlight = [];
    }
  });
  state.flushing = done.catch(() => undefined);
  return done;
}
