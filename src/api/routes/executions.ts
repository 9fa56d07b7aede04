import {
  ArtifactList,
  Cancellation,
  describedResponses,
  eventStream,
  ExecutionDetail,
  ExecutionEventsQuery,
  ExecutionListQuery,
  ExecutionPage,
  routeParams,
  type ZodApp,
} from '../contract.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { ExecutionRow } from '../../runs/recovery.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import { isDialect, type Dialect } from '../wire/dialect.js';
import { headerValue } from '../headers.js';
import { streamExecutionEvents, notFound } from '../stream-events.js';

export function registerExecutionRoutes(app: ZodApp, deps: AppDeps): void {
  app.get('/v1/executions', { schema: { querystring: ExecutionListQuery, response: { 200: ExecutionPage } } }, async (request) => {
    const query = parseInput(ExecutionListQuery, request.query, ['query']);
    const { items, total } = await deps.store.listExecutions(request.scope, query);
    return { data: items, pagination: { limit: query.limit, offset: query.offset, total, hasMore: query.offset + items.length < total } };
  });

  app.get('/v1/executions/:id', { schema: { params: routeParams('id'), response: { 200: ExecutionDetail } } }, async (request) => {
    const { id } = request.params;
    const execution = await deps.store.getExecution(request.scope, id, true);
    if (!execution) throw notFound(id);
    // Read with its steps, it always has them.
    return { ...execution, steps: execution.steps ?? [] };
  });

  app.post(
    '/v1/executions/:id/cancel',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: Cancellation }) } },
    async (request) => {
      const { id } = request.params;
      const execution = await deps.store.getExecution(request.scope, id);
      if (!execution) throw notFound(id);
      if (execution.status === 'paused') {
        await deps.runs.cancelPaused((await deps.store.getExecutionRow(id)) as ExecutionRow);
        return { executionId: id, status: 'cancelled' };
      }
      if (!['queued', 'running'].includes(execution.status)) {
        throw new FlowrunError(
          'CONFLICT',
          `Execution ${id} is ${execution.status}; only queued, running or paused executions can be cancelled`,
        );
      }
      // Recorded first, then told to the holder: a run still in the queue (no process holds it yet), or one whose
      // holder misses the message, is ended as cancelled by whoever picks it up or holds it.
      if (!(await deps.store.requestCancel(id, Date.now()))) {
        const now = await deps.store.getExecution(request.scope, id);
        throw new FlowrunError(
          'CONFLICT',
          `Execution ${id} is ${now?.status ?? 'gone'}; only queued, running or paused executions can be cancelled`,
        );
      }
      deps.scheduler.cancel(id);
      return { executionId: id, status: 'cancelling' };
    },
  );

  app.get(
    '/v1/executions/:id/artifacts',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: ArtifactList }) } },
    async (request) => {
      const execution = await deps.store.getExecution(request.scope, request.params.id);
      if (!execution) throw notFound(request.params.id);
      return { data: await deps.store.listArtifacts(execution.id) };
    },
  );

  app.get(
    '/v1/executions/:id/events',
    {
      schema: {
        params: routeParams('id'),
        response: describedResponses({
          200: eventStream('the stored events after `after` (or Last-Event-ID), then the live ones until the run ends'),
        }),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const query = parseInput(ExecutionEventsQuery, request.query, ['query']);
      if (query.events !== undefined && !isDialect(query.events)) {
        throw new FlowrunError('VALIDATION_ERROR', `Unknown events dialect '${query.events}'`, [
          { code: 'INVALID_ENUM', path: 'query.events', message: 'events must be one of travrse, runtype, unified' },
        ]);
      }
      const lastEventId = headerValue(request.headers['last-event-id']);
      const after = lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : query.after;
      const execution = await deps.store.getExecution(request.scope, id);
      if (!execution) throw notFound(id);
      const dialect: Dialect = (query.events as Dialect | undefined) ?? (isDialect(execution.dialect) ? execution.dialect : 'runtype');
      return streamExecutionEvents(deps, request, reply, id, after, dialect);
    },
  );
}
