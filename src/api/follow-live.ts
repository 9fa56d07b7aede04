import type { ExecutionEvent } from '../protocol/execution-event.js';

/** Where a stream got an event: heard on the bus while following the run, or read from the store. */
export type Heard = 'live' | 'stored';

export interface FollowLiveOptions {
  deliver: (event: ExecutionEvent, heard: Heard) => void;
  /** What the store holds after the last event sent. */
  readStored: (limit: number) => Promise<ExecutionEvent[]>;
  isOver: () => boolean;
  lastSent: () => number;
  /** The store did not answer while filling a gap. */
  onError: () => void;
}

/**
 * The live half of a stream: events heard while the store is read wait, then go out in order after what was
 * read. Events of a run another process executes arrive committed; one that skips ahead means the ones before
 * it were committed before this stream was following there, so they are read from the store first.
 */
export function followLive({ deliver, readStored, isOver, lastSent, onError }: FollowLiveOptions) {
  let holding = true;
  const waiting: ExecutionEvent[] = [];
  const drain = async (): Promise<void> => {
    try {
      while (waiting.length > 0 && !isOver()) {
        const batch = waiting.splice(0).sort((a, b) => a.seq - b.seq);
        for (const event of batch) {
          if (event.seq > lastSent() + 1) (await readStored(100_000)).forEach((stored) => deliver(stored, 'stored'));
          deliver(event, 'live');
        }
      }
    } finally {
      holding = false;
    }
  };
  return {
    receive(event: ExecutionEvent): void {
      if (!holding && event.seq <= lastSent() + 1) return deliver(event, 'live');
      waiting.push(event);
      if (!holding) {
        holding = true;
        // The store did not answer: the stream ends, and the client reconnects with Last-Event-ID.
        drain().catch(onError);
      }
    },
    /** Ends the replay: what was heard meanwhile goes out in order. */
    async start(): Promise<void> {
      await drain();
    },
  };
}
