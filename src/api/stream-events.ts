import type { FastifyReply, FastifyRequest } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import type { AppDeps } from './app-deps.js';
import { openStreamSender, type StreamSender } from './sse-sender.js';
import { type Dialect } from './wire/dialect.js';

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
  const sender = openStreamSender(deps, reply, {
    executionId: id,
    dialect,
    context: { flowId: execution.flowId, flowName: execution.flowName, agent: execution.agent ?? undefined },
    after,
    // A stored flow_paused is not the end when the run was resumed since; only a live one ends the stream.
    readsHistory: true,
  });
  const catchUp = async (): Promise<void> => {
    const current = await deps.store.getExecution(request.scope, id);
    if (sender.over || !current || ['queued', 'running'].includes(current.status)) return;
    // Ended: anything left is in the store now.
    await sender.endFromStore();
  };
  const watch = watchStore(deps.settings.heartbeatMs, sender, catchUp);
  sender.whenOver(watch.stop);
  try {
    // Events committed from here on reach this stream: the replay below misses none of them.
    await deps.bus.ready(id);
    for (let read = 1000; read >= 1000 && !sender.over;) read = await sender.sendStored(1000);
    await sender.follow();
    if (!sender.over) await catchUp();
  } catch {
    // The store did not answer: the stream ends, and the client reconnects with Last-Event-ID.
    sender.end();
  }
}

/**
 * The store has the last word: a stream hears of events through the bus, and an announcement lost on the way (a
 * relay that dropped a publish in an outage) must not leave it waiting for an end that came. While a stream
 * waits, it looks at the store (`catchUp`) after each period in which it heard nothing.
 */
function watchStore(periodMs: number, sender: Pick<StreamSender, 'lastSeq'>, catchUp: () => Promise<void>): { stop(): void } {
  let seen = sender.lastSeq;
  const timer = setInterval(() => {
    if (seen !== sender.lastSeq) return void (seen = sender.lastSeq);
    catchUp().catch(() => undefined);
  }, periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export function notFound(id: string): FlowrunError {
  return new FlowrunError('NOT_FOUND', `Execution ${id} not found`);
}
