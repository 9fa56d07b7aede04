import { routeParams, type ZodApp } from '../route-schemas.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FlowrunError } from '../../protocol/errors.js';
import { isTerminalEvent, type ExecutionEvent } from '../../protocol/execution-event.js';
import { getExecution, getExecutionRow, listExecutions, readEvents } from '../../store/executions-repository.js';
import { cancelPausedRun } from '../../queue/cancel-paused.js';
import type { ExecutionRow } from '../../queue/recovery.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import { openSse } from '../sse.js';
import { isDialect, type Dialect } from '../wire/dialect.js';
import { createEncoder } from '../wire/encoders.js';
import { headerValue } from '../headers.js';

const ListQuery = z.object({
  status: z.enum(['queued', 'running', 'paused', 'completed', 'failed', 'cancelled']).optional(),
  flowId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  events: z.string().optional(),
});

export function registerExecutionRoutes(app: ZodApp, deps: AppDeps): void {
  app.get('/v1/executions', async (request) => {
    const query = parseInput(ListQuery, request.query, ['query']);
    const { items, total } = await listExecutions(deps.db, request.scope, query);
    return { data: items, pagination: { limit: query.limit, offset: query.offset, total, hasMore: query.offset + items.length < total } };
  });

  app.get('/v1/executions/:id', { schema: { params: routeParams('id') } }, async (request) => {
    const { id } = request.params;
    const execution = await getExecution(deps.db, request.scope, id, true);
    if (!execution) throw notFound(id);
    return execution;
  });

  app.post('/v1/executions/:id/cancel', { schema: { params: routeParams('id') } }, async (request) => {
    const { id } = request.params;
    const execution = await getExecution(deps.db, request.scope, id);
    if (!execution) throw notFound(id);
    if (execution.status === 'paused') {
      await cancelPausedRun(deps.workerDeps, (await getExecutionRow(deps.db, id)) as ExecutionRow);
      return { executionId: id, status: 'cancelled' };
    }
    if (!['queued', 'running'].includes(execution.status)) {
      throw new FlowrunError(
        'CONFLICT',
        `Execution ${id} is ${execution.status}; only queued, running or paused executions can be cancelled`,
      );
    }
    deps.scheduler.cancel(id);
    return { executionId: id, status: 'cancelling' };
  });

  app.get('/v1/executions/:id/events', { schema: { params: routeParams('id') } }, async (request, reply) => {
    const { id } = request.params;
    const query = parseInput(EventsQuery, request.query, ['query']);
    if (query.events !== undefined && !isDialect(query.events)) {
      throw new FlowrunError('VALIDATION_ERROR', `Unknown events dialect '${query.events}'`, [
        { code: 'INVALID_ENUM', path: 'query.events', message: 'events must be one of travrse, runtype, unified' },
      ]);
    }
    const lastEventId = headerValue(request.headers['last-event-id']);
    const after = lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : query.after;
    const execution = await getExecution(deps.db, request.scope, id);
    if (!execution) throw notFound(id);
    const dialect: Dialect = (query.events as Dialect | undefined) ?? (isDialect(execution.dialect) ? execution.dialect : 'runtype');
    return streamExecutionEvents(deps, request, reply, id, after, dialect);
  });
}

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
  const execution = await getExecution(deps.db, request.scope, id);
  if (!execution) throw notFound(id);
  const encode = createEncoder(dialect, { flowId: execution.flowId, flowName: execution.flowName, agent: execution.agent ?? undefined });
  reply.hijack();
  const sse = openSse(reply.raw, deps.settings.heartbeatMs, { 'x-execution-id': id });
  let lastSent = after;
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
    const stored = await readEvents(deps.db, id, lastSent, 1000);
    stored.forEach((event) => deliver(event));
    if (stored.length < 1000 || done) break;
  }
  [...pending, ...live].sort((a, b) => a.seq - b.seq).forEach((event) => deliver(event, live.includes(event)));
  replaying = false;
  if (done) return;
  const current = await getExecution(deps.db, request.scope, id);
  if (current && !['queued', 'running'].includes(current.status)) {
    // Ended while we replayed: anything left is in the store now.
    (await readEvents(deps.db, id, lastSent, 100_000)).forEach((event) => deliver(event));
    if (!done) finish();
  }
}

function notFound(id: string): FlowrunError {
  return new FlowrunError('NOT_FOUND', `Execution ${id} not found`);
}
