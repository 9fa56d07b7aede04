import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTerminalEvent } from '../protocol/execution-event.js';
import type { AppDeps } from './app-deps.js';
import { type PreparedRun } from './prepare-dispatch.js';
import { agentPing, openSse } from './sse.js';
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
  let lastSeq = 0;
  const ping = prepared.agent && dialect === 'runtype' ? agentPing(executionId, () => lastSeq) : undefined;
  const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': executionId }, ping);
  const encode = createEncoder(dialect, { flowId: prepared.flow.id, flowName: prepared.flow.name, agent: prepared.agent });
  let finished = false;
  const unsubscribe = deps.bus.subscribe(executionId, (event) => {
    lastSeq = event.seq;
    const frame = encode(event);
    if (frame) sse.send(frame);
    if (isTerminalEvent(event)) finished = true;
  });
  reply.raw.on('close', () => {
    unsubscribe();
    // A client that goes away does not stop the run, unless it asked for that.
    if (!finished && options.cancelOnDisconnect) deps.scheduler.cancel(executionId);
  });
  deps.scheduler
    .submit(prepared.job)
    .catch((error: unknown) => request.log.error({ err: error, executionId }, 'run failed outside the engine'))
    .finally(() => {
      unsubscribe();
      sse.end();
    });
  return reply;
}
