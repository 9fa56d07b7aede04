import { isStreamedDelta, isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';
import { isLeaseLost } from './fencing.js';

/** An event with its stored form, serialised once when it is recorded (so a bad event fails only its own run). */
export interface RecordedEvent {
  event: ExecutionEvent;
  json: string;
  /** The lease owner that must hold the run for the event to be stored (fencing; see events-repository). */
  fence?: string;
}

/**
 * Commits `events` and then `work` (a run's checkpoint or end, written with the transaction it is given) as one
 * part: all or nothing. Parts asked for in the same turn of the event loop may share a transaction (the store's
 * group commit), each still succeeding or failing alone. Rejects with the part's error. Resolves with the runs
 * whose events were not stored because their fence no longer holds the run.
 */
export type CommitPart<Tx> = (events: RecordedEvent[], work?: (tx: Tx) => Promise<void>) => Promise<readonly string[] | void>;

/**
 * Group commit for events: events queue in memory and are written in one part per flush, `intervalMs`
 * after the first one queued or when `maxBatch` wait. Streamed deltas (one per token) alone wait longer
 * (`deltaIntervalMs`, up to `maxDeltas`): a flush then carries several of each stream's tokens, which the store
 * keeps as one row, instead of touching every running stream's pages every few milliseconds. They are not
 * durable before their step's checkpoint either way (docs/durability.md). Listeners hear of events once they
 * are committed (`onWritten`); `pending()` shows what waits, for tests and diagnostics.
 */
export interface EventWriter<Tx = unknown> {
  enqueue(recorded: RecordedEvent): void;
  pending(executionId: string): ExecutionEvent[];
  /** Writes everything queued so far; resolves once it is committed. */
  flush(): Promise<void>;
  /**
   * Writes run `executionId`'s queued events and `work` (its checkpoint or end) as one part: a checkpoint and the
   * events before it become durable together or not at all. The runs that ask in the same turn of the event loop
   * (or while the previous flush commits) are flushed together, with everything else queued but other runs' held
   * events (their completions and ends wait for their own commits). Rejects with the part's error; the run's
   * events are then kept (transient failure) or written on their own (any other failure).
   */
  flushWith(executionId: string, work: (tx: Tx) => Promise<void>): Promise<void>;
  /** Drops the run's queued events unwritten (its process lost the run: they are not its to write). */
  discard(executionId: string): void;
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
  /** Events that are committed now: what may be announced as stored. */
  onWritten?: (events: RecordedEvent[]) => void;
  /** A run whose lease this process lost (a write of it was fenced out): its events are dropped, it must stop. */
  onFenced?: (executionId: string) => void;
}

interface CommitRequest<Tx> {
  executionId: string;
  work: (tx: Tx) => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface WriterState<Tx> {
  commit: CommitPart<Tx>;
  options: EventWriterOptions;
  queue: RecordedEvent[];
  inFlight: RecordedEvent[];
  /** Runs waiting for their checkpoint or end to be committed. */
  commits: Array<CommitRequest<Tx>>;
  commitsScheduled: boolean;
  timer: NodeJS.Timeout | null;
  /** When the armed timer fires (ms, performance clock). */
  timerDue: number;
  /** Queued events that are not streamed deltas. */
  others: number;
  flushing: Promise<void>;
}

export function createEventWriter<Tx = unknown>(commit: CommitPart<Tx>, options: EventWriterOptions): EventWriter<Tx> {
  const state: WriterState<Tx> = {
    commit,
    options,
    queue: [],
    inFlight: [],
    commits: [],
    commitsScheduled: false,
    timer: null,
    timerDue: 0,
    others: 0,
    flushing: Promise.resolve(),
  };
  return {
    flushWith: (executionId, work) => flushWith(state, executionId, work),
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
    discard(executionId) {
      take(
        state,
        state.queue.filter((recorded) => recorded.event.executionId !== executionId),
      );
    },
    async close() {
      await flush(state, true);
    },
  };
}

/** Arms the flush timer to fire within `delayMs`, unless it is armed to fire sooner already. */
function armTimer<Tx>(state: WriterState<Tx>, delayMs: number): void {
  const due = performance.now() + delayMs;
  if (state.timer && state.timerDue <= due) return;
  stopTimer(state);
  state.timerDue = due;
  state.timer = setTimeout(() => void flush(state, false), delayMs);
}

function stopTimer<Tx>(state: WriterState<Tx>): void {
  if (state.timer) {
    clearTimeout(state.timer);
    state.timer = null;
  }
}

/** Puts events that could not be written back in front of the queue, to go with the next flush. */
function requeue<Tx>(state: WriterState<Tx>, events: RecordedEvent[]): void {
  state.queue = [...events, ...state.queue];
  state.others += events.filter((recorded) => !isStreamedDelta(recorded.event)).length;
}

/** Takes the queue for a write, leaving `kept` queued. */
function take<Tx>(state: WriterState<Tx>, kept: RecordedEvent[] = []): RecordedEvent[] {
  const taken = state.queue;
  state.queue = kept;
  state.others = kept.filter((recorded) => !isStreamedDelta(recorded.event)).length;
  return taken;
}

/**
 * A batch that failed for a lasting reason is never put back whole (it would fail every later flush of every
 * run): each run's events are written on their own, and a run whose events still fail is dropped.
 */
async function isolate<Tx>(state: WriterState<Tx>, batch: RecordedEvent[]): Promise<void> {
  const byRun = new Map<string, RecordedEvent[]>();
  for (const recorded of batch) {
    const id = recorded.event.executionId;
    byRun.set(id, [...(byRun.get(id) ?? []), recorded]);
  }
  for (const [executionId, events] of byRun) {
    try {
      written(state, events, await state.commit(events));
    } catch (error) {
      if (state.options.isTransient(error)) requeue(state, events);
      else state.options.onRunFailed(executionId, error);
    }
  }
}

/** Announces what a commit stored: `events` but those of the runs it found fenced, which are told to stop. */
function written<Tx>(state: WriterState<Tx>, events: RecordedEvent[], fenced: readonly string[] | void): void {
  if (!fenced || fenced.length === 0) {
    state.options.onWritten?.(events);
    return;
  }
  const lost = new Set(fenced);
  state.options.onWritten?.(events.filter((recorded) => !lost.has(recorded.event.executionId)));
  for (const id of lost) state.options.onFenced?.(id);
}

async function recover<Tx>(state: WriterState<Tx>, batch: RecordedEvent[], error: unknown): Promise<void> {
  if (isLeaseLost(error)) {
    // Not this process's run any more: its events are not written, on their own or otherwise.
    const id = batch[0]?.event.executionId;
    if (id) state.options.onFenced?.(id);
    return;
  }
  state.options.onError(error);
  if (state.options.isTransient(error)) requeue(state, batch);
  else await isolate(state, batch);
}

// A run's last event (complete, error, paused) is committed only with its final state, and a step's completion
// only with its checkpoint, never by the timer or a full batch: a crash between the two would otherwise leave a
// log that says the run ended (or the step completed) while recovery must continue it (or run the step again).
const heldForCommit = (recorded: RecordedEvent): boolean => isTerminalEvent(recorded.event) || recorded.event.type === 'step_complete';

function flush<Tx>(state: WriterState<Tx>, includeHeld: boolean): Promise<void> {
  stopTimer(state);
  state.flushing = state.flushing.then(() => commitQueued(state, includeHeld));
  return state.flushing;
}

/**
 * Writes the queue (but the held events of runs that are not committing) and every waiting run's checkpoint or
 * end: one part for the events of no committing run, one per committing run with its own events. The parts are
 * asked for together, so the store commits them in one transaction.
 */
async function commitQueued<Tx>(state: WriterState<Tx>, includeHeld: boolean): Promise<void> {
  const commits = state.commits;
  state.commits = [];
  const own = new Map<string, RecordedEvent[]>(commits.map((request) => [request.executionId, []]));
  const isKept = (recorded: RecordedEvent) => !includeHeld && heldForCommit(recorded) && !own.has(recorded.event.executionId);
  const queued = state.queue;
  const kept = queued.filter(isKept);
  take(state, kept);
  const taken = kept.length === 0 ? queued : queued.filter((recorded) => !isKept(recorded));
  if (taken.length === 0 && commits.length === 0) return;
  const loose: RecordedEvent[] = [];
  for (const recorded of taken) (own.get(recorded.event.executionId) ?? loose).push(recorded);
  state.inFlight = taken;
  const parts: Array<Promise<void>> = [];
  if (loose.length > 0)
    parts.push(
      state.commit(loose).then(
        (fenced) => written(state, loose, fenced),
        (error: unknown) => recover(state, loose, error),
      ),
    );
  for (const request of commits) {
    const events = own.get(request.executionId) ?? [];
    own.set(request.executionId, []); // a second request of the same run carries no events twice
    parts.push(
      state.commit(events, request.work).then(
        (fenced) => {
          written(state, events, fenced);
          request.resolve();
        },
        async (error: unknown) => {
          await recover(state, events, error);
          request.reject(error);
        },
      ),
    );
  }
  try {
    await Promise.all(parts);
  } finally {
    state.inFlight = [];
  }
}

function flushWith<Tx>(state: WriterState<Tx>, executionId: string, work: (tx: Tx) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    state.commits.push({ executionId, work, resolve, reject });
    // Every run that asks in this turn of the event loop goes in one flush (and so one transaction).
    if (state.commitsScheduled) return;
    state.commitsScheduled = true;
    setImmediate(() => {
      state.commitsScheduled = false;
      void flush(state, false);
    });
  });
}
