import type { FastifyReply } from 'fastify';
import { isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';
import type { AppDeps } from './app-deps.js';
import { followLive, type Heard } from './follow-live.js';
import { agentPing, openSse } from './sse.js';
import type { Dialect, EncoderContext } from './wire/dialect.js';
import { createEncoder } from './wire/encoders.js';

export interface StreamSenderOptions {
  executionId: string;
  dialect: Dialect;
  context: EncoderContext;
  /** The last sequence number the client has: the stream carries what comes after it. */
  after: number;
  /**
   * Whether the store may hold, after `after`, a pause the run was resumed from since: a replay from a client's
   * Last-Event-ID reads the run's history; a dispatch or resume stream reads only the leg of the run it began.
   */
  readsHistory: boolean;
}

/** One execution's events as SSE in one dialect: every stream of a run goes out through this, and ends by its rule. */
export interface StreamSender {
  /** Sends what the store holds after the last event sent (at most `limit` events); resolves to how many it read. */
  sendStored(limit: number): Promise<number>;
  /** Ends the replay: the events heard meanwhile go out in order after what was read, then each as it comes. */
  follow(): Promise<void>;
  /** The run ended: what this stream has not carried yet (if anything) is in the store. Sends it, and ends. */
  endFromStore(): Promise<void>;
  end(): void;
  /** Calls `listener` once, when the stream ends or the client goes away. */
  whenOver(listener: () => void): void;
  /** The stream ended, or the client went away. */
  readonly over: boolean;
  /** The stream sent the run's end (by the rule of `endsStream`). */
  readonly sentEnd: boolean;
  readonly lastSeq: number;
}

/**
 * The one rule that ends a stream: the run's end (`flow_complete`, `flow_error`), or a pause (`flow_paused`) that
 * is the stream's own. A pause heard live is; so is one a dispatch or resume stream reads from the store, which
 * holds only the leg it began. A pause read from the run's history may have been resumed since: it ends nothing
 * (the run's status in the store says when it stopped).
 */
export function endsStream(event: ExecutionEvent, heard: Heard, readsHistory: boolean): boolean {
  if (event.type === 'flow_paused') return heard === 'live' || !readsHistory;
  return isTerminalEvent(event);
}

/**
 * Takes the reply over and subscribes to the run's events before anything is read, so nothing falls between
 * the store and the bus. Each event goes out once, in order (one at or before the last one sent is dropped);
 * an event the dialect does not send moves the position only.
 */
export function openStreamSender(
  deps: Pick<AppDeps, 'store' | 'bus' | 'settings'>,
  reply: FastifyReply,
  options: StreamSenderOptions,
): StreamSender {
  const { executionId, dialect, context, readsHistory } = options;
  const encode = createEncoder(dialect, context);
  reply.hijack();
  let lastSeq = options.after;
  // What a heartbeat names: the last frame the client got (an event this dialect does not send moves lastSeq only).
  let lastFrameId = lastSeq;
  const ping = context.agent && dialect === 'runtype' ? agentPing(executionId, () => lastFrameId) : undefined;
  const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': executionId }, ping);
  let over = false;
  let sentEnd = false;
  const overListeners: Array<() => void> = [];
  const deliver = (event: ExecutionEvent, heard: Heard): void => {
    if (over || event.seq <= lastSeq) return;
    lastSeq = event.seq;
    const frame = encode(event);
    if (frame) {
      sse.send(frame);
      lastFrameId = event.seq;
    }
    if (endsStream(event, heard, readsHistory)) {
      sentEnd = true;
      end();
    }
  };
  const readStored = (limit: number) => deps.store.readEvents(executionId, lastSeq, limit);
  const sendStored = async (limit: number): Promise<number> => {
    const stored = await readStored(limit);
    stored.forEach((event) => deliver(event, 'stored'));
    return stored.length;
  };
  // An event heard past a gap (a frame the relay dropped) waits for the gap to be read from the store, so the
  // client gets every frame once, in order.
  const live = followLive({ deliver, readStored, isOver: () => over, lastSent: () => lastSeq, onError: () => end() });
  const unsubscribe = deps.bus.subscribe(executionId, live.receive);
  const stop = (): void => {
    over = true;
    unsubscribe();
    overListeners.splice(0).forEach((listener) => listener());
  };
  const end = (): void => {
    if (over) return;
    stop();
    sse.end();
  };
  reply.raw.on('close', () => {
    if (!over) stop();
  });
  return {
    sendStored,
    follow: () => live.start(),
    async endFromStore() {
      if (over) return;
      await sendStored(100_000);
      end();
    },
    end,
    whenOver(listener) {
      if (over) listener();
      else overListeners.push(listener);
    },
    get over() {
      return over;
    },
    get sentEnd() {
      return sentEnd;
    },
    get lastSeq() {
      return lastSeq;
    },
  };
}
