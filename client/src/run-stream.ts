import { FlowrunApiError } from './errors.js';
import { send, sleep, type HttpOptions, type RequestOptions } from './http.js';
import { readSse } from './sse.js';
import type { RuntypeEvent, TravrseEvent, UnifiedEvent } from './frames.js';
import type { Execution } from './types.js';

export type Dialect = 'unified' | 'runtype' | 'travrse';
export type EventOf<D extends Dialect> = D extends 'unified' ? UnifiedEvent : D extends 'runtype' ? RuntypeEvent : TravrseEvent;

/** The frames after which a run's stream ends for good: it completed, failed, or waits for a client tool. */
const finalFrames = new Set([
  'execution_complete',
  'execution_error',
  'await',
  'flow_complete',
  'flow_error',
  'flow_await',
  'flow_paused',
  'agent_complete',
  'agent_error',
  'agent_await',
]);

/**
 * A run as it streams: iterate it for its events (each dialect's frames, typed by `type`), or await `result()`
 * for the execution once it ended or paused. A dropped connection is resumed by itself, from the last event
 * seen (`Last-Event-ID`), on `GET /v1/executions/{id}/events`: the events come once each, in order.
 */
export interface RunStream<E> extends AsyncIterable<E> {
  /** The run's execution id, once its first event arrived (while the stream is iterated or `result()` reads it). */
  executionId(): Promise<string>;
  /** Reads the stream to its end (if nobody iterates it), then the execution as stored. */
  result(): Promise<Execution>;
}

export function createRunStream<D extends Dialect>(
  http: HttpOptions & { maxReconnects: number },
  start: { path: string; options: RequestOptions },
  dialect: D,
): RunStream<EventOf<D>> {
  let started = false;
  let settle!: () => void;
  const over = new Promise<void>((resolve) => (settle = resolve));
  let resolveId!: (id: string) => void;
  let rejectId!: (error: unknown) => void;
  const idPromise = new Promise<string>((resolve, reject) => {
    resolveId = resolve;
    rejectId = reject;
  });
  idPromise.catch(() => undefined);
  let executionId: string | undefined;

  async function* frames(): AsyncGenerator<EventOf<D>> {
    let lastSeq: string | undefined;
    let reconnected = false;
    let fruitless = 0;
    let response: Response = await send(http, start.path, start.options).catch((error: unknown) => {
      rejectId(error);
      throw error;
    });
    while (true) {
      let progressed = false;
      let broke = false;
      let ended = false;
      try {
        for await (const message of readSse(response.body!)) {
          if (message.event === 'agent_ping' || message.event === 'ping') continue;
          const data = (typeof message.data === 'object' && message.data !== null ? message.data : { value: message.data }) as Record<
            string,
            unknown
          >;
          if (!executionId && typeof data.executionId === 'string') {
            executionId = data.executionId;
            resolveId(executionId);
          }
          if (message.id !== undefined) lastSeq = message.id;
          progressed = true;
          ended ||= finalFrames.has(message.event);
          yield { ...data, type: message.event } as EventOf<D>;
        }
      } catch (error) {
        if (start.options.signal?.aborted) throw error;
        broke = true; // the connection broke mid-stream: resumed below
      }
      // Done: a final frame came, or a resumed stream closed cleanly with nothing new (the run is not live: it paused
      // for an approval, or it ended).
      if (ended || (reconnected && !broke && !progressed)) return;
      if (!executionId) {
        const error = new FlowrunApiError('the stream ended before the run was named', 'NETWORK_ERROR', 0);
        rejectId(error);
        throw error;
      }
      fruitless = progressed ? 0 : fruitless + 1;
      if (fruitless > http.maxReconnects)
        throw new FlowrunApiError(`the stream of ${executionId} could not be resumed`, 'NETWORK_ERROR', 0);
      if (fruitless > 0) await sleep(Math.min(http.maxDelayMs, http.retryDelayMs * 2 ** (fruitless - 1)), start.options.signal);
      response = await send(http, `v1/executions/${encodeURIComponent(executionId)}/events`, {
        query: { events: dialect },
        headers: lastSeq === undefined ? {} : { 'last-event-id': lastSeq },
        ...(start.options.signal ? { signal: start.options.signal } : {}),
      });
      reconnected = true;
    }
  }

  async function* tracked(): AsyncGenerator<EventOf<D>> {
    try {
      yield* frames();
    } finally {
      settle();
    }
  }

  return {
    [Symbol.asyncIterator]() {
      if (started) throw new Error('a run stream is read once: iterate it, or await result()');
      started = true;
      return tracked();
    },
    executionId: () => idPromise,
    async result() {
      if (!started) {
        started = true;
        for await (const event of tracked()) void event; // read to the end
      } else await over;
      const id = await idPromise;
      return (await send(http, `v1/executions/${encodeURIComponent(id)}`).then((response) => response.json())) as Execution;
    },
  };
}
