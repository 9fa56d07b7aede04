import type { FastifyReply, FastifyRequest } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import { isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';
import type { AppDeps } from './app-deps.js';
import { agentPing, openSse } from './sse.js';
import { type Dialect } from './wire/dialect.js';
import { createEncoder } from './wire/encoders.js';

/**
 * Streams an execution's events as SSE after `after`: the stored ones, then the live ones while it goes on.
 * Subscribes first, then reads the store, then what is written but not committed yet: nothing falls in between.
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
  const ping = execution.agent && dialect === 'runtype' ? agentPing(id, () => lastSent) : undefined;
  const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': id }, ping);
  let replaying = true;
  let done = false;
  const live: ExecutionEvent[] = [];
  // A stored flow_paused is not the end when the run was resumed since; only a live one ends the stream.
  const deliver = (event: ExecutionEvent, isLive = false): void => {
    if (done || event.seq <= lastSent) return;
    lastSent = event.seq;
    const frame = encode(event);
    if (frame) sse.send(frame);
    if (event.type === 'flow_complete' || event.type === 'flow_error' || (isLive && isTerminalEvent(event))) finish();
  };
  const unsubscribe = deps.bus.subscribe(id, (event) => (replaying ? live.push(event) : deliver(event, true)));
  const finish = (): void => {
    done = true;
    unsubscribe();
    sse.end();
  };
  reply.raw.on('close', () => {
    done = true;
    unsubscribe();
  });
  const pending = deps.writer.pending(id);
  for (;;) {
    const stored = await deps.store.readEvents(id, lastSent, 1000);
    stored.forEach((event) => deliver(event));
    if (stored.length < 1000 || done) break;
  }
  [...pending, ...live].sort((a, b) => a.seq - b.seq).forEach((event) => deliver(event, live.includes(event)));
  replaying = false;
  if (done) return;
  const current = await deps.store.getExecution(request.scope, id);
  if (current && !['queued', 'running'].includes(current.status)) {
    // Ended while we replayed: anything left is in the store now.
    (await deps.store.readEvents(id, lastSent, 100_000)).forEach((event) => deliver(event));
    if (!done) finish();
  }
}

export function notFound(id: string): FlowrunError {
  return new FlowrunError('NOT_FOUND', `Execution ${id} not found`);
}
