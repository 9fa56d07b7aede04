import {
  Agent,
  AgentDefinition,
  AgentExecuteBody,
  AgentList,
  AgentPatch,
  describedBody,
  describedResponses,
  DispatchResult,
  EventsQuery,
  NoContent,
  routeParams,
  runAnswer,
  type ZodApp,
} from '../contract.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AppDeps } from '../app-deps.js';
import { parseAgent, prepareDispatch } from '../prepare-dispatch.js';
import { chooseDialect, isDialect } from '../wire/dialect.js';
import { parseDispatchBody } from '../wire/dispatch-request.js';
import { headerValue } from '../headers.js';
import { respondWithRun } from '../respond-with-run.js';
import { mergeAgentUpdate } from '../merge-agent-update.js';

/** `/v1/agents`: saved agents (Runtype's shape), and `POST /v1/agents/{id}/execute` to chat with one. */

export function registerAgentRoutes(app: ZodApp, deps: AppDeps): void {
  const now = () => new Date(deps.clock.now()).toISOString();
  const validate = (body: unknown) => {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new FlowrunError('VALIDATION_ERROR', 'The body must be a JSON object');
    const spec = parseAgent({ id: 'pending', raw: body, path: 'body', models: deps.models });
    const definition = body as Record<string, unknown>;
    return { name: spec.name, description: typeof definition.description === 'string' ? definition.description : undefined, definition };
  };

  app.get('/v1/agents', { schema: { response: describedResponses({ 200: AgentList }) } }, async (request) => ({
    data: await deps.store.listAgents(request.scope),
  }));

  app.post(
    '/v1/agents',
    { schema: { body: describedBody(AgentDefinition), response: describedResponses({ 201: Agent }) } },
    async (request, reply) => {
      const agent = validate(request.body);
      return reply.status(201).send(await deps.store.insertAgent(request.scope, agent, deps.ids.next('agent'), now()));
    },
  );

  app.get('/v1/agents/:id', { schema: { params: routeParams('id'), response: describedResponses({ 200: Agent }) } }, async (request) => {
    const agent = await deps.store.getAgent(request.scope, request.params.id);
    if (!agent) throw new FlowrunError('NOT_FOUND', 'Agent not found');
    return agent;
  });

  // Runtype's update (PUT) is partial: only the given fields change, and `config` is deep-merged. PATCH, Flowrun's
  // verb for the same, shares the handler.
  app.route({
    method: ['PATCH', 'PUT'],
    url: '/v1/agents/:id',
    schema: { params: routeParams('id'), body: describedBody(AgentPatch), response: describedResponses({ 200: Agent }) },
    handler: async (request) => {
      const existing = await deps.store.getAgent(request.scope, request.params.id);
      if (!existing) throw new FlowrunError('NOT_FOUND', 'Agent not found');
      const agent = validate(mergeAgentUpdate(existing.definition, (request.body ?? {}) as Record<string, unknown>));
      await deps.store.updateAgent(request.scope, existing.id, agent, now());
      return deps.store.getAgent(request.scope, existing.id);
    },
  });

  app.delete(
    '/v1/agents/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 204: NoContent }) } },
    async (request, reply) => {
      if (!(await deps.store.deleteAgent(request.scope, request.params.id))) throw new FlowrunError('NOT_FOUND', 'Agent not found');
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/agents/:id/execute',
    {
      schema: {
        params: routeParams('id'),
        querystring: EventsQuery,
        body: describedBody(AgentExecuteBody),
        response: describedResponses({
          200: runAnswer(DispatchResult, 'the agent run: its events, or one JSON document with streamResponse: false'),
        }),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const parsed = parseDispatchBody({ ...raw, agent: { agentId: id } });
      const query = request.query;
      const dialect = chooseDialect(
        isDialect(query.events) ? query.events : undefined,
        headerValue(request.headers['x-persona-version']),
        parsed.snakeCase,
      );
      const prepared = await prepareDispatch(deps, request.scope, parsed.body, dialect);
      const options = parsed.body.options ?? {};
      return respondWithRun(deps, request, reply, prepared, dialect, {
        stream: options.streamResponse !== false,
        cancelOnDisconnect: options.cancelOnDisconnect === true,
      });
    },
  );
}
