import type { FastifyReply, FastifyRequest } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import { isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';
import type { AppDeps } from './app-deps.js';
import { agentPing, openSse } from './sse.js';
import { type Dialect } from './wire/dialect.js';
import { createEncoder } from './wire/encoders.js';

/**
 * Streams an execution's events as SSE after `after`: the stored ones, then the live ones while it goes on.
 * Subscribes first, then reads the store: nothing falls in between, and nothing is sent that the store does not
 * hold (listeners hear of an event once it is committed).
 */
export async function streamExecutionEvents(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  after: number,
  dialect: Dialect,
): Promise<void> {
  const execution = await deps.store.getExecution(request.scope, id);
  if (!execution) throw notFound(id);
  const encode = createEncoder(dialect, { flowId: execution.flowId, flowName: execution.flowName, agent: execution.agent ?? undefined });
  reply.hijack();
  let lastSent = after;
  // What a heartbeat names: the last frame the client got (an event this dialect does not send moves lastSent only).
  let lastFrameId = after;
  const ping = execution.agent && dialect === 'runtype' ? agentPing(id, () => lastFrameId) : undefined;
  const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': id }, ping);
  let done = false;
  // A stored flow_paused is not the end when the run was resumed since; only a live one ends the stream.
  const deliver = (event: ExecutionEvent, isLive = false): void => {
    if (done || event.seq <= lastSent) return;
    lastSent = event.seq;
    const frame = encode(event);
    if (frame) {
      sse.send(frame);
      lastFrameId = event.seq;
    }
    if (event.type === 'flow_complete' || event.type === 'flow_error' || (isLive && isTerminalEvent(event))) finish();
  };
  const readStored = async (limit: number): Promise<ExecutionEvent[]> => deps.store.readEvents(id, lastSent, limit);
  const live = followLive(
    deliver,
    readStored,
    () => done,
    () => lastSent,
    () => finish(),
  );
  const unsubscribe = deps.bus.subscribe(id, live.receive);
  const finish = (): void => {
    done = true;
    watch.stop();
    unsubscribe();
    sse.end();
  };
  const catchUp = async (): Promise<void> => {
    const current = await deps.store.getExecution(request.scope, id);
    if (done || !current || ['queued', 'running'].includes(current.status)) return;
    // Ended: anything left is in the store now.
    (await readStored(100_000)).forEach((event) => deliver(event));
    if (!done) finish();
  };
  const watch = watchStore(deps.settings.heartbeatMs, () => lastSent, catchUp);
  reply.raw.on('close', () => {
    done = true;
    watch.stop();
    unsubscribe();
  });
  try {
    // Events committed from here on reach this stream: the replay below misses none of them.
    await deps.bus.ready(id);
    for (;;) {
      const stored = await readStored(1000);
      stored.forEach((event) => deliver(event));
      if (stored.length < 1000 || done) break;
    }
    await live.start();
    if (!done) await catchUp();
  } catch {
    // The store did not answer: the stream ends, and the client reconnects with Last-Event-ID.
    finish();
  }
}

/**
 * The store has the last word: a stream hears of events through the bus, and an announcement lost on the way (a
 * relay that dropped a publish in an outage) must not leave it waiting for an end that came. While a stream
 * waits, it looks at the store (`catchUp`) after each period in which it heard nothing.
 */
function watchStore(periodMs: number, lastSent: () => number, catchUp: () => Promise<void>): { stop(): void } {
  let seen = lastSent();
  const timer = setInterval(() => {
    if (seen !== lastSent()) return void (seen = lastSent());
    catchUp().catch(() => undefined);
  }, periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The live half of a stream: events heard while the store is read wait, then go out in order after what was
 * read. Events of a run another process executes arrive committed; one that skips ahead means the ones before
 * it were committed before this stream was following there, so they are read from the store first.
 */
export function followLive(
  deliver: (event: ExecutionEvent, isLive?: boolean) => void,
  readStored: (limit: number) => Promise<ExecutionEvent[]>,
  isDone: () => boolean,
  lastSent: () => number,
  onError: () => void,
) {
  let holding = true;
  const waiting: { event: ExecutionEvent; isLive: boolean }[] = [];
  const drain = async (): Promise<void> => {
    try {
      while (waiting.length > 0 && !isDone()) {
        const batch = waiting.splice(0).sort((a, b) => a.event.seq - b.event.seq);
        for (const { event, isLive } of batch) {
          if (event.seq > lastSent() + 1) (await readStored(100_000)).forEach((stored) => deliver(stored));
          deliver(event, isLive);
        }
      }
    } finally {
      holding = false;
    }
  };
  return {
    receive(event: ExecutionEvent): void {
      if (!holding && event.seq <= lastSent() + 1) return deliver(event, true);
      waiting.push({ event, isLive: true });
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

export function notFound(id: string): FlowrunError {
  return new FlowrunError('NOT_FOUND', `Execution ${id} not found`);
}
