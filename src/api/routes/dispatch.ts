import { EventsQuery, type ZodApp } from '../route-schemas.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FlowrunError } from '../../protocol/errors.js';
import { isTerminalEvent } from '../../protocol/execution-event.js';
import type { AppDeps } from '../app-deps.js';
import { prepareDispatch, type PreparedRun } from '../prepare-dispatch.js';
import { openSse } from '../sse.js';
import { chooseDialect, isDialect, type Dialect } from '../wire/dialect.js';
import { parseDispatchBody } from '../wire/dispatch-request.js';
import { dispatchResult } from '../wire/dispatch-result.js';
import { headerValue } from '../headers.js';
import { idempotencyKeyOf, markReplay, priorExecution, remember, settled, storedDispatchResult } from '../idempotency.js';
import { streamExecutionEvents } from './executions.js';
import { createEncoder } from '../wire/encoders.js';

export function registerDispatchRoutes(app: ZodApp, deps: AppDeps): void {
  app.post('/v1/dispatch', { schema: { querystring: EventsQuery } }, async (request, reply) => {
    const query = request.query;
    if (query.events !== undefined && !isDialect(query.events)) {
      throw new FlowrunError('VALIDATION_ERROR', `Unknown events dialect '${query.events}'`, [
        { code: 'INVALID_ENUM', path: 'query.events', message: 'events must be one of travrse, runtype, unified' },
      ]);
    }
    const parsed = parseDispatchBody(request.body);
    const dialect = chooseDialect(query.events, headerValue(request.headers['x-persona-version']), parsed.snakeCase);
    const options = parsed.body.options ?? {};
    // A repeated Idempotency-Key gets the first execution (its stream replayed, or its result) instead of a second run.
    const key = idempotencyKeyOf(request);
    const prior = await priorExecution(deps, request, key);
    if (prior) {
      if (options.streamResponse === false) return markReplay(reply, prior).send(storedDispatchResult(await settled(deps, request, prior)));
      markReplay(reply, prior);
      return streamExecutionEvents(deps, request, reply, prior, 0, dialect);
    }
    const prepared = await prepareDispatch(deps, request.scope, parsed.body, dialect);
    await remember(deps, request, key, prepared.executionId);

    return respondWithRun(deps, request, reply, prepared, dialect, {
      stream: options.streamResponse !== false,
      cancelOnDisconnect: options.cancelOnDisconnect === true,
    });
  });
}

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
  const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': executionId });
  const encode = createEncoder(dialect, { flowId: prepared.flow.id, flowName: prepared.flow.name, agent: prepared.agent });
  let finished = false;
  const unsubscribe = deps.bus.subscribe(executionId, (event) => {
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
