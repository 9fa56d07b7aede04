import {
  describedBody,
  describedResponses,
  NoContent,
  routeParams,
  Tool,
  ToolBody,
  ToolList,
  ToolPatch,
  type ZodApp,
} from '../contract.js';
import { FlowrunError } from '../../protocol/errors.js';
import { zodIssuesToDetails } from '../../protocol/zod-details.js';
import type { AppDeps } from '../app-deps.js';

/** A tool body checked whole; `base` is where it sits in the request (empty: it is the body). */
export function parseTool(body: unknown, base: Array<string | number> = []) {
  const result = ToolBody.safeParse(body);
  if (!result.success) {
    const details = zodIssuesToDetails(result.error, body, base);
    throw new FlowrunError('VALIDATION_ERROR', details[0]?.message ?? 'Invalid tool', details);
  }
  return result.data;
}

/** `/v1/tools`: the tenant's saved tools (per mode), referenced from prompt steps by id or name. */
export function registerToolRoutes(app: ZodApp, deps: AppDeps): void {
  const now = () => new Date(deps.clock.now()).toISOString();
  app.get('/v1/tools', { schema: { response: { 200: ToolList } } }, async (request) => ({
    data: await deps.store.listTools(request.scope),
  }));

  app.post(
    '/v1/tools',
    { schema: { body: describedBody(ToolBody), response: describedResponses({ 201: Tool }) } },
    async (request, reply) => {
      const tool = parseTool(request.body);
      if (await deps.store.getTool(request.scope, tool.name))
        throw new FlowrunError('CONFLICT', `A tool named '${tool.name}' exists already`);
      const created = await deps.store.insertTool(request.scope, tool, deps.ids.next('tool'), now());
      return reply.status(201).send(created);
    },
  );

  app.get('/v1/tools/:id', { schema: { params: routeParams('id'), response: describedResponses({ 200: Tool }) } }, async (request) => {
    const tool = await deps.store.getTool(request.scope, request.params.id);
    if (!tool) throw new FlowrunError('NOT_FOUND', 'Tool not found');
    return tool;
  });

  // Runtype's verb is PUT (fields given are changed); PATCH is the same handler.
  app.route({
    method: ['PATCH', 'PUT'],
    url: '/v1/tools/:id',
    schema: { params: routeParams('id'), body: describedBody(ToolPatch), response: describedResponses({ 200: Tool }) },
    handler: async (request) => {
      const existing = await deps.store.getTool(request.scope, request.params.id);
      if (!existing) throw new FlowrunError('NOT_FOUND', 'Tool not found');
      const patch = (request.body ?? {}) as Record<string, unknown>;
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
        throw new FlowrunError('VALIDATION_ERROR', 'The body must be a JSON object');
      const { id: _id, createdAt: _created, updatedAt: _updated, ...current } = existing;
      const tool = parseTool({ ...current, ...patch });
      if (tool.name !== existing.name && (await deps.store.getTool(request.scope, tool.name)))
        throw new FlowrunError('CONFLICT', `A tool named '${tool.name}' exists already`);
      await deps.store.updateTool(request.scope, existing.id, tool, now());
      return deps.store.getTool(request.scope, existing.id);
    },
  });

  app.delete(
    '/v1/tools/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 204: NoContent }) } },
    async (request, reply) => {
      const existing = await deps.store.getTool(request.scope, request.params.id);
      if (!existing || !(await deps.store.deleteTool(request.scope, existing.id))) throw new FlowrunError('NOT_FOUND', 'Tool not found');
      return reply.status(204).send();
    },
  );
}
