import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { type PreparedRun } from './prepare-dispatch.js';
import { openStreamSender } from './sse-sender.js';
import { type Dialect } from './wire/dialect.js';
import { dispatchResult } from './wire/dispatch-result.js';

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
  const sender = openStreamSender(deps, reply, {
    executionId,
    dialect,
    context: { flowId: prepared.flow.id, flowName: prepared.flow.name, agent: prepared.agent },
    // A continued run's stream starts after what its earlier streams carried.
    after: prepared.job.lastSeq ?? 0,
    // The events after that are this leg's: its pause, even read from the store, is its end.
    readsHistory: false,
  });
  // Nothing to replay: the run starts below. The store did not answer: the stream ends, and the client reconnects
  // with Last-Event-ID.
  sender.follow().catch(() => sender.end());
  reply.raw.on('close', () => {
    // A client that goes away does not stop the run, unless it asked for that.
    if (!sender.sentEnd && options.cancelOnDisconnect) deps.scheduler.cancel(executionId);
  });
  deps.scheduler
    .submit(prepared.job)
    .catch((error: unknown) => request.log.error({ err: error, executionId }, 'run failed outside the engine'))
    // The run ended: whatever of it this stream has not carried yet (its last events may reach this process after
    // its outcome did, or not at all) is in the store.
    .then(() => sender.endFromStore())
    .catch((error: unknown) => request.log.error({ err: error, executionId }, 'the end of the run could not be read'))
    .finally(() => sender.end());
  return reply;
}
