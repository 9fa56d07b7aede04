import type { ExecutionEvent } from '../protocol/execution-event.js';
import type { EventBus } from './event-bus.js';
import type { RecordedEvent } from './event-writer.js';

/**
 * Carries a run's committed events to the other processes that stream it, and cancellations to the process that
 * runs it. Only committed events travel: a follower that read the store and then hears of a later event can
 * always fill a gap from the store (api/follow-live.ts), so nothing is lost between its read and its subscription.
 * The cluster relay (`serve --workers N`) goes through the primary process; the Redis relay through pub/sub.
 */
export interface EventRelay {
  /** Starts receiving the committed events of a run another process executes; returns the stop function. */
  follow(executionId: string): () => void;
  /** Resolves once events of a followed run are sure to arrive (a subscription is confirmed). */
  ready(executionId: string): Promise<void>;
  /** Committed events of runs this process executes, for whoever follows them elsewhere. */
  announce(events: readonly RecordedEvent[]): void;
  onEvents(handler: (events: ExecutionEvent[]) => void): void;
  /** Asks the process that runs `executionId` to stop it. */
  cancel(executionId: string): void;
  onCancel(handler: (executionId: string) => void): void;
  /** Tells every other process that a key was revoked, so each drops it from its key cache at once. */
  revokeKey(keyId: string): void;
  onKeyRevoked(handler: (keyId: string) => void): void;
  /** Resolves when the relay's transport answers (Redis: PING); for /ready. */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/** A bus whose subscribers also hear the committed events of runs other processes execute. */
export function createRelayedBus(local: EventBus, relay: EventRelay): EventBus {
  relay.onEvents((events) => {
    for (const event of events) local.publish(event);
  });
  return {
    subscribe(executionId, listener) {
      const unsubscribe = local.subscribe(executionId, listener);
      const unfollow = relay.follow(executionId);
      return () => {
        unsubscribe();
        unfollow();
      };
    },
    ready: (executionId) => relay.ready(executionId),
    publish: (event) => local.publish(event),
  };
}

/** What the processes of one `serve --workers N` say to each other, through the primary. */
export type ClusterMessage =
  | { flowrun: 'relay'; t: 'follow' | 'unfollow' | 'cancel' | 'revoke-key'; id: string }
  | { flowrun: 'relay'; t: 'interest'; id: string; on: boolean }
  | { flowrun: 'relay'; t: 'events'; id: string; events: string[] };

export const isClusterMessage = (message: unknown): message is ClusterMessage =>
  typeof message === 'object' && message !== null && (message as { flowrun?: unknown }).flowrun === 'relay';

/**
 * The relay of a worker process of `serve --workers N`: it tells the primary which runs it follows, hears from
 * the primary which runs others follow, and sends only those runs' events (no traffic for runs nobody watches
 * elsewhere).
 */
export function createClusterRelay(channel: {
  send(message: ClusterMessage): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  off(event: 'message', listener: (message: unknown) => void): void;
}): EventRelay {
  const wantedElsewhere = new Set<string>();
  const following = new Map<string, number>();
  const eventHandlers: Array<(events: ExecutionEvent[]) => void> = [];
  const cancelHandlers: Array<(executionId: string) => void> = [];
  const revokedHandlers: Array<(keyId: string) => void> = [];
  const listener = (message: unknown): void => {
    if (!isClusterMessage(message)) return;
    if (message.t === 'interest') {
      if (message.on) wantedElsewhere.add(message.id);
      else wantedElsewhere.delete(message.id);
    } else if (message.t === 'events') {
      const events = message.events.map((json) => JSON.parse(json) as ExecutionEvent);
      for (const handler of eventHandlers) handler(events);
    } else if (message.t === 'cancel' || message.t === 'revoke-key') {
      for (const handler of message.t === 'cancel' ? cancelHandlers : revokedHandlers) handler(message.id);
    }
  };
  channel.on('message', listener);
  const send = (message: ClusterMessage): void => {
    try {
      channel.send(message);
    } catch {
      // The primary is gone (the whole server is stopping); there is no one left to tell.
    }
  };
  return {
    follow(id) {
      const count = (following.get(id) ?? 0) + 1;
      following.set(id, count);
      if (count === 1) send({ flowrun: 'relay', t: 'follow', id });
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        const left = (following.get(id) ?? 1) - 1;
        if (left > 0) following.set(id, left);
        else {
          following.delete(id);
          send({ flowrun: 'relay', t: 'unfollow', id });
        }
      };
    },
    announce(events) {
      if (wantedElsewhere.size === 0) return;
      const byRun = new Map<string, string[]>();
      for (const { event, json } of events) {
        if (!wantedElsewhere.has(event.executionId)) continue;
        const list = byRun.get(event.executionId);
        if (list) list.push(json);
        else byRun.set(event.executionId, [json]);
      }
      for (const [id, jsons] of byRun) send({ flowrun: 'relay', t: 'events', id, events: jsons });
    },
    // The primary forwards what arrives after it heard of the follow; a stream fills anything earlier from the store.
    ready: async () => undefined,
    onEvents: (handler) => void eventHandlers.push(handler),
    cancel: (id) => send({ flowrun: 'relay', t: 'cancel', id }),
    onCancel: (handler) => void cancelHandlers.push(handler),
    revokeKey: (id) => send({ flowrun: 'relay', t: 'revoke-key', id }),
    onKeyRevoked: (handler) => void revokedHandlers.push(handler),
    close: async () => channel.off('message', listener),
  };
}

/**
 * The primary's side: remembers which worker follows which run, tells every other worker when a run gains its
 * first follower or loses its last, and forwards events, cancellations and revoked keys.
 */
export function createClusterRouter() {
  const workers = new Map<number, { send(message: ClusterMessage): void }>();
  const followers = new Map<string, Set<number>>();
  const broadcast = (message: ClusterMessage, except?: number): void => {
    for (const [id, worker] of workers) if (id !== except) worker.send(message);
  };
  const setFollow = (workerId: number, runId: string, on: boolean): void => {
    let set = followers.get(runId);
    const before = set?.size ?? 0;
    if (on) {
      if (!set) followers.set(runId, (set = new Set()));
      set.add(workerId);
    } else if (set) {
      set.delete(workerId);
      if (set.size === 0) followers.delete(runId);
    }
    const after = followers.get(runId)?.size ?? 0;
    if ((before === 0) !== (after === 0)) broadcast({ flowrun: 'relay', t: 'interest', id: runId, on: after > 0 });
  };
  return {
    add(workerId: number, worker: { send(message: ClusterMessage): void }): void {
      workers.set(workerId, worker);
      for (const runId of followers.keys()) worker.send({ flowrun: 'relay', t: 'interest', id: runId, on: true });
    },
    remove(workerId: number): void {
      workers.delete(workerId);
      for (const runId of [...followers.keys()]) setFollow(workerId, runId, false);
    },
    receive(workerId: number, message: unknown): void {
      if (!isClusterMessage(message)) return;
      if (message.t === 'follow' || message.t === 'unfollow') setFollow(workerId, message.id, message.t === 'follow');
      else if (message.t === 'cancel' || message.t === 'revoke-key') broadcast(message, workerId);
      else if (message.t === 'events') {
        for (const target of followers.get(message.id) ?? []) if (target !== workerId) workers.get(target)?.send(message);
      }
    },
  };
}
