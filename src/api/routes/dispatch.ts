import type { FastifyInstance } from 'fastify';
import { FlowrunError } from '../../protocol/errors.js';
import { isTerminalEvent } from '../../protocol/execution-event.js';
import type { AppDeps } from '../app-deps.js';
import { prepareDispatch } from '../prepare-dispatch.js';
import { openSse } from '../sse.js';
import { chooseDialect, isDialect } from '../wire/dialect.js';
import { parseDispatchBody } from '../wire/dispatch-request.js';
import { dispatchResult } from '../wire/dispatch-result.js';
import { createEncoder } from '../wire/encoders.js';

export function registerDispatchRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post('/v1/dispatch', async (request, reply) => {
    const query = request.query as { events?: string };
    if (query.events !== undefined && !isDialect(query.events)) {
      throw new FlowrunError('VALIDATION_ERROR', `Unknown events dialect '${query.events}'`, [
        { code: 'INVALID_ENUM', path: 'query.events', message: 'events must be one of travrse, runtype, unified' },
      ]);
    }
    const parsed = parseDispatchBody(request.body);
    const dialect = chooseDialect(query.events, headerValue(request.headers['x-persona-version']), parsed.snakeCase);
    const prepared = await prepareDispatch(deps, request.scope, parsed.body, dialect);
    const { executionId } = prepared;
    const options = parsed.body.options ?? {};

    if (options.streamResponse === false) {
      const outcome = await deps.scheduler.submit(prepared.job);
      return reply.header('x-execution-id', executionId).send(dispatchResult(prepared, outcome));
    }

    reply.hijack();
    const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': executionId });
    const encode = createEncoder(dialect, { flowId: prepared.flow.id, flowName: prepared.flow.name });
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
  });
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
