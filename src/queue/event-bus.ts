import type { ExecutionEvent } from '../protocol/execution-event.js';

export type EventListener = (event: ExecutionEvent) => void;

/** Live delivery of a run's events to whoever streams it. In-memory here; a Redis pub/sub bus has the same shape. */
export interface EventBus {
  /** Returns the unsubscribe function. Listeners are called synchronously, in seq order, and must not throw. */
  subscribe(executionId: string, listener: EventListener): () => void;
  /** Resolves once a subscription's events are sure to arrive (a relay's subscription confirmed); at once here. */
  ready(executionId: string): Promise<void>;
  publish(event: ExecutionEvent): void;
}

export function createInMemoryEventBus(): EventBus {
  const listeners = new Map<string, Set<EventListener>>();
  return {
    subscribe(executionId, listener) {
      let set = listeners.get(executionId);
      if (!set) {
        set = new Set();
        listeners.set(executionId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(executionId) === set) listeners.delete(executionId);
      };
    },
    ready: async () => undefined,
    publish(event) {
      const set = listeners.get(event.executionId);
      if (!set) return;
      for (const listener of [...set]) listener(event);
    },
  };
}
