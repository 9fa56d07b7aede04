import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTerminalEvent, type ExecutionEvent } from '../protocol/execution-event.js';
import type { AppDeps } from './app-deps.js';
import { type PreparedRun } from './prepare-dispatch.js';
import { agentPing, openSse } from './sse.js';
import { followLive } from './stream-events.js';
import { type Dialect } from './wire/dialect.js';
import { dispatchResult } from './wire/dispatch-result.js';
import { createEncoder } from './wire/encoders.js';

/** Runs a prepared (or resumed) execution and answers with its SSE stream in `dialect`, or with one JSON document. */
export async function respondWithRun(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  prepared: PreparedRun,
  dialect: Dialect,
  options: { stream: boolean; cancelOnDisconnect: boolean },
): Promise<unknown> {
  const { executionId } = prepared;
  if (!options.stream) {
    const outcome = await deps.scheduler.submit(prepared.job);
    return reply.header('x-execution-id', executionId).send(dispatchResult(prepared, outcome));
  }
  reply.hijack();
  // A continued run's stream starts after what its earlier streams carried.
  let lastSeq = prepared.job.lastSeq ?? 0;
  // What a heartbeat names: the last frame the client got (an event this dialect does not send moves lastSeq only).
  let lastFrameId = lastSeq;
  const ping = prepared.agent && dialect === 'runtype' ? agentPing(executionId, () => lastFrameId) : undefined;
  const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': executionId }, ping);
  const encode = createEncoder(dialect, { flowId: prepared.flow.id, flowName: prepared.flow.name, agent: prepared.agent });
  let finished = false;
  let closed = false;
  const deliver = (event: ExecutionEvent): void => {
    if (closed || event.seq <= lastSeq) return;
    lastSeq = event.seq;
    const frame = encode(event);
    if (frame) {
      sse.send(frame);
      lastFrameId = event.seq;
    }
    if (isTerminalEvent(event)) {
      finished = true;
      end();
    }
  };
  const readStored = (limit: number) => deps.store.readEvents(executionId, lastSeq, limit);
  // Like GET …/events: an event heard past a gap (a frame the relay dropped) waits for the gap to be read from
  // the store, so the client gets every frame once, in order.
  const live = followLive(
    deliver,
    readStored,
    () => closed,
    () => lastSeq,
    () => end(),
  );
  const unsubscribe = deps.bus.subscribe(executionId, live.receive);
  const end = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    sse.end();
  };
  // The store did not answer: the stream ends, and the client reconnects with Last-Event-ID.
  live.start().catch(end);
  reply.raw.on('close', () => {
    unsubscribe();
    // A client that goes away does not stop the run, unless it asked for that.
    if (!finished && options.cancelOnDisconnect) deps.scheduler.cancel(executionId);
  });
  deps.scheduler
    .submit(prepared.job)
    .catch((error: unknown) => request.log.error({ err: error, executionId }, 'run failed outside the engine'))
    .then(async () => {
      // The run ended: whatever of it this stream has not carried yet (its last events may reach this process
      // after its outcome did, or not at all) is in the store.
      if (!closed) (await readStored(100_000)).forEach(deliver);
    })
    .catch((error: unknown) => request.log.error({ err: error, executionId }, 'the end of the run could not be read'))
    .finally(end);
  return reply;
}
