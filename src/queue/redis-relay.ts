import { Redis } from 'ioredis';
import type { ExecutionEvent } from '../protocol/execution-event.js';
import type { EventRelay } from './event-relay.js';

/**
 * The relay of a cluster (FLOWRUN_REDIS_URL): a run's committed events are published on its own channel
 * (`<prefix>:events:<id>`), which a process subscribes to while a client streams the run there; cancellations go
 * to every process on `<prefix>:cancel`, revoked keys on `<prefix>:revoked-keys`. Publishing costs one PUBLISH per run per group commit; nobody
 * subscribed, Redis drops it.
 */
export function createRedisRelay(url: string, prefix: string, onError: (error: unknown) => void): EventRelay {
  const publisher = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
  const subscriber = new Redis(url, { maxRetriesPerRequest: null });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  const eventsChannel = (id: string) => `${prefix}:events:${id}`;
  const cancelChannel = `${prefix}:cancel`;
  const revokedChannel = `${prefix}:revoked-keys`;
  const eventHandlers: Array<(events: ExecutionEvent[]) => void> = [];
  const cancelHandlers: Array<(executionId: string) => void> = [];
  const revokedHandlers: Array<(keyId: string) => void> = [];
  const following = new Map<string, { count: number; ready: Promise<void> }>();
  const cancelReady = subscriber.subscribe(cancelChannel, revokedChannel).then(() => undefined, onError);
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === cancelChannel || channel === revokedChannel) {
      for (const handler of channel === cancelChannel ? cancelHandlers : revokedHandlers) handler(message);
      return;
    }
    let events: ExecutionEvent[];
    try {
      events = JSON.parse(message) as ExecutionEvent[];
    } catch (error) {
      onError(error);
      return;
    }
    for (const handler of eventHandlers) handler(events);
  });
  return {
    follow(id) {
      const entry = following.get(id);
      if (entry) entry.count++;
      else following.set(id, { count: 1, ready: subscriber.subscribe(eventsChannel(id)).then(() => undefined, onError) });
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        const current = following.get(id);
        if (!current) return;
        if (--current.count > 0) return;
        following.delete(id);
        subscriber.unsubscribe(eventsChannel(id)).catch(onError);
      };
    },
    ready: async (id) => {
      await cancelReady;
      await following.get(id)?.ready;
    },
    announce(events) {
      if (events.length === 0) return;
      const byRun = new Map<string, string[]>();
      for (const { event, json } of events) {
        const list = byRun.get(event.executionId);
        if (list) list.push(json);
        else byRun.set(event.executionId, [json]);
      }
      const pipeline = publisher.pipeline();
      for (const [id, jsons] of byRun) pipeline.publish(eventsChannel(id), `[${jsons.join(',')}]`);
      pipeline.exec().catch(onError);
    },
    onEvents: (handler) => void eventHandlers.push(handler),
    cancel: (id) => void publisher.publish(cancelChannel, id).catch(onError),
    onCancel: (handler) => void cancelHandlers.push(handler),
    revokeKey: (keyId) => void publisher.publish(revokedChannel, keyId).catch(onError),
    onKeyRevoked: (handler) => void revokedHandlers.push(handler),
    async ping() {
      await publisher.ping();
    },
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
