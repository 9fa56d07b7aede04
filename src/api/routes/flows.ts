import {
  ActivateBody,
  Activation,
  AuditList,
  AuditQuery,
  describedBody,
  describedResponses,
  Environment,
  EnvironmentBody,
  EnvironmentDiff,
  EnvironmentDiffQuery,
  EnvironmentList,
  FlowBody,
  FlowEnvironments,
  FlowList,
  FlowPatch,
  FlowVersion,
  FlowVersionList,
  FlowView,
  NoContent,
  PromoteBody,
  Promotion,
  routeParams,
  type ZodApp,
} from '../contract.js';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { FlowrunError } from '../../protocol/errors.js';
import type { TenantScope } from '../../protocol/tenant.js';
import { type StoredFlow, type StoredFlowDefinition } from '../../store/flows-repository.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import { requireFlow, checkDefinition } from '../flow-lookup.js';

async function flowView(deps: Pick<AppDeps, 'store'>, scope: TenantScope, flow: StoredFlow) {
  const [versions, activations] = await Promise.all([deps.store.listVersions(flow.id), deps.store.listActivations(scope, [flow.id])]);
  return {
    id: flow.id,
    slug: flow.slug,
    name: flow.name,
    description: flow.description,
    currentVersionId: flow.versionId,
    version: flow.version,
    locked: flow.locked,
    definition: flow.definition,
    versions,
    activeVersions: Object.fromEntries(activations.map((entry) => [entry.environment, entry.versionId])),
  };
}

/** What a flow's version stores of a checked flow body (its slug and the edit's comment live elsewhere). */
function definitionOf(body: z.infer<typeof FlowBody>): StoredFlowDefinition {
  return { name: body.name, description: body.description, steps: body.steps, templates: body.templates, entrypoint: body.entrypoint };
}

/** Flows as resources, under Runtype's `/v1` and PromptShuttle's `/api/v1`: versions, environments, promotion, audit. */
export function registerFlowRoutes(app: ZodApp, deps: AppDeps): void {
  const now = () => new Date(deps.clock.now()).toISOString();
  const audit = (request: FastifyRequest, action: string, flowId: string | null, details: Record<string, unknown>, comment?: string) =>
    deps.store.appendAudit(request.scope, { id: deps.ids.next('audit'), action, flowId, details, comment: comment ?? null }, now());
  const requireEnvironment = async (scope: TenantScope, name: string, path: string) => {
    if (!(await deps.store.listEnvironments(scope)).includes(name)) {
      throw new FlowrunError('NOT_FOUND', `Environment '${name}' does not exist; create it with POST /api/v1/environments`, [
        { code: 'NOT_FOUND', path, message: `no environment '${name}'` },
      ]);
    }
  };

  for (const prefix of ['/v1', '/api/v1']) {
    app.post(
      `${prefix}/flows`,
      { schema: { body: describedBody(FlowBody), response: describedResponses({ 201: FlowView }) } },
      async (request, reply) => {
        const body = parseInput(FlowBody, request.body);
        const definition = definitionOf(body);
        checkDefinition(deps, definition);
        if (body.slug && (await deps.store.slugTaken(request.scope, body.slug)))
          throw new FlowrunError('CONFLICT', `Slug '${body.slug}' is taken`);
        const flow = await deps.store.createFlow(
          request.scope,
          definition,
          { flowId: deps.ids.next('flow'), versionId: deps.ids.next('flowver') },
          now(),
          body.slug ?? null,
        );
        await audit(request, 'flow.create', flow.id, { versionId: flow.versionId, slug: flow.slug }, body.comment);
        return reply.status(201).send(await flowView(deps, request.scope, flow));
      },
    );

    app.get(`${prefix}/flows`, { schema: { response: describedResponses({ 200: FlowList }) } }, async (request) => ({
      data: await deps.store.listFlows(request.scope),
    }));

    app.get(
      `${prefix}/flows/:flowId`,
      { schema: { params: routeParams('flowId'), response: describedResponses({ 200: FlowView }) } },
      async (request) => flowView(deps, request.scope, await requireFlow(deps, request.scope, request.params.flowId)),
    );

    // An edit changes the current version while it is a draft; once activated somewhere it is immutable and
    // the edit forks a new version. Runtype's verb is PUT (fields given are changed); PATCH is the same handler.
    app.route({
      method: ['PATCH', 'PUT'],
      url: `${prefix}/flows/:flowId`,
      schema: { params: routeParams('flowId'), body: describedBody(FlowPatch), response: describedResponses({ 200: FlowView }) },
      handler: async (request) => {
        const flow = await requireFlow(deps, request.scope, request.params.flowId);
        const patch = (request.body ?? {}) as Record<string, unknown>;
        const body = parseInput(FlowBody, { ...flow.definition, slug: flow.slug ?? undefined, ...patch });
        const definition = definitionOf(body);
        checkDefinition(deps, definition);
        if (body.slug !== (flow.slug ?? undefined)) {
          if (body.slug && (await deps.store.slugTaken(request.scope, body.slug, flow.id)))
            throw new FlowrunError('CONFLICT', `Slug '${body.slug}' is taken`);
          await deps.store.updateFlowSlug(flow.id, body.slug ?? null, now());
        }
        const updated = await deps.store.upsertFlowVersion(flow, definition, deps.ids.next('flowver'), now());
        await audit(
          request,
          updated.versionId === flow.versionId ? 'flow.edit' : 'flow.fork',
          flow.id,
          { fromVersionId: flow.versionId, versionId: updated.versionId },
          body.comment,
        );
        return flowView(deps, request.scope, await requireFlow(deps, request.scope, flow.id));
      },
    });

    app.delete(
      `${prefix}/flows/:flowId`,
      { schema: { params: routeParams('flowId'), response: describedResponses({ 204: NoContent }) } },
      async (request, reply) => {
        const flow = await requireFlow(deps, request.scope, request.params.flowId);
        await deps.store.deleteFlow(request.scope, flow.id);
        await audit(request, 'flow.delete', flow.id, {});
        return reply.status(204).send();
      },
    );

    app.get(
      `${prefix}/flows/:flowId/versions`,
      { schema: { params: routeParams('flowId'), response: describedResponses({ 200: FlowVersionList }) } },
      async (request) => {
        const flow = await requireFlow(deps, request.scope, request.params.flowId);
        return { data: await deps.store.listVersions(flow.id) };
      },
    );

    app.get(
      `${prefix}/flows/:flowId/versions/:versionId`,
      { schema: { params: routeParams('flowId', 'versionId'), response: describedResponses({ 200: FlowVersion }) } },
      async (request) => {
        const { flowId, versionId } = request.params;
        const flow = await requireFlow(deps, request.scope, flowId, versionId);
        return { id: flow.versionId, flowId: flow.id, version: flow.version, locked: flow.locked, definition: flow.definition };
      },
    );

    app.post(
      `${prefix}/flows/:flowId/versions/:versionId/environments`,
      {
        schema: {
          params: routeParams('flowId', 'versionId'),
          body: describedBody(ActivateBody),
          response: describedResponses({ 200: Activation }),
        },
      },
      async (request) => {
        const { flowId, versionId } = request.params;
        const body = parseInput(ActivateBody, request.body);
        const flow = await requireFlow(deps, request.scope, flowId);
        if (!(await deps.store.versionExists(flow.id, versionId)))
          throw new FlowrunError('NOT_FOUND', `Flow ${flowId} has no version ${versionId}`);
        await requireEnvironment(request.scope, body.environment, 'environment');
        const previousVersionId = await deps.store.activateVersion(flow.id, versionId, body.environment, now());
        await audit(request, 'version.activate', flow.id, { environment: body.environment, versionId, previousVersionId }, body.comment);
        return { flowId: flow.id, environment: body.environment, versionId, previousVersionId };
      },
    );

    app.get(
      `${prefix}/flows/:flowId/environments`,
      { schema: { params: routeParams('flowId'), response: describedResponses({ 200: FlowEnvironments }) } },
      async (request) => {
        const flow = await requireFlow(deps, request.scope, request.params.flowId);
        const activations = await deps.store.listActivations(request.scope, [flow.id]);
        return { flowId: flow.id, activeVersions: Object.fromEntries(activations.map((entry) => [entry.environment, entry.versionId])) };
      },
    );

    app.post(
      `${prefix}/environments`,
      { schema: { body: describedBody(EnvironmentBody), response: describedResponses({ 201: Environment }) } },
      async (request, reply) => {
        const body = parseInput(EnvironmentBody, request.body);
        if (!(await deps.store.createEnvironment(request.scope, body.name, now())))
          throw new FlowrunError('CONFLICT', `Environment '${body.name}' exists already`);
        await audit(request, 'environment.create', null, { name: body.name });
        return reply.status(201).send({ name: body.name });
      },
    );

    app.get(`${prefix}/environments`, { schema: { response: describedResponses({ 200: EnvironmentList }) } }, async (request) => ({
      data: await deps.store.listEnvironments(request.scope),
    }));

    app.get(`${prefix}/environments/diff`, { schema: { response: describedResponses({ 200: EnvironmentDiff }) } }, async (request) => {
      const query = parseInput(EnvironmentDiffQuery, request.query, ['query']);
      const [activations, flows] = await Promise.all([deps.store.listActivations(request.scope), deps.store.listFlows(request.scope)]);
      const versionIn = (flowId: string, environment: string) =>
        activations.find((entry) => entry.flowId === flowId && entry.environment === environment)?.versionId ?? null;
      return {
        sourceEnvironment: query.sourceEnvironment,
        targetEnvironment: query.targetEnvironment,
        flows: flows
          .map((flow) => {
            const source = versionIn(flow.id, query.sourceEnvironment);
            const target = versionIn(flow.id, query.targetEnvironment);
            const status =
              source === target ? 'same' : source && !target ? 'only_in_source' : !source && target ? 'only_in_target' : 'different';
            return { flowId: flow.id, slug: flow.slug, name: flow.name, sourceVersionId: source, targetVersionId: target, status };
          })
          .filter((entry) => entry.sourceVersionId || entry.targetVersionId),
      };
    });

    app.post(
      `${prefix}/environments/promote`,
      { schema: { body: describedBody(PromoteBody), response: describedResponses({ 200: Promotion }) } },
      async (request) => {
        const body = parseInput(PromoteBody, request.body);
        await requireEnvironment(request.scope, body.sourceEnvironment, 'sourceEnvironment');
        await requireEnvironment(request.scope, body.targetEnvironment, 'targetEnvironment');
        const activations = (await deps.store.listActivations(request.scope)).filter(
          (entry) => entry.environment === body.sourceEnvironment && (!body.flowIds || body.flowIds.includes(entry.flowId)),
        );
        const promoted = [];
        for (const entry of activations) {
          const previousVersionId = await deps.store.activateVersion(entry.flowId, entry.versionId, body.targetEnvironment, now());
          await audit(
            request,
            'version.promote',
            entry.flowId,
            {
              sourceEnvironment: body.sourceEnvironment,
              targetEnvironment: body.targetEnvironment,
              versionId: entry.versionId,
              previousVersionId,
            },
            body.comment,
          );
          promoted.push({ flowId: entry.flowId, versionId: entry.versionId, previousVersionId });
        }
        return { sourceEnvironment: body.sourceEnvironment, targetEnvironment: body.targetEnvironment, promoted };
      },
    );

    app.get(`${prefix}/audit`, { schema: { response: describedResponses({ 200: AuditList }) } }, async (request) => {
      const query = parseInput(AuditQuery, request.query, ['query']);
      // The flow by its id or its slug, as every other /api/v1/flows route takes it; an unknown one has no entries.
      const flowId = query.flowId === undefined ? undefined : ((await deps.store.getFlow(request.scope, query.flowId))?.id ?? query.flowId);
      return { data: await deps.store.listAudit(request.scope, { ...query, ...(flowId === undefined ? {} : { flowId }) }) };
    });
  }
}
