import {
  AgentTree,
  CreditBalance,
  CreditLedger,
  describedBody,
  describedResponses,
  Feedback,
  FeedbackAnswer,
  LedgerQuery,
  ModelAlias,
  ModelAliasBody,
  ModelAliasList,
  NoContent,
  ParametersQuery,
  routeParams,
  RunRequest,
  ShuttleParameters,
  ShuttleRun,
  ShuttleRunPage,
  ShuttleRunsQuery,
  StoredShuttleRun,
  UsageQuery,
  UsageStatistics,
  type ZodApp,
} from '../contract.js';
import { discoverParameters } from '../../engine/parameters.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import { entrypointOf, priorRunResponse, resolveRunVersion, runShuttleFlow } from '../shuttle-run.js';
import { buildExecutionTree } from '../execution-tree.js';
import { agentTree, storedRunView } from '../wire/shuttle.js';
import { headerValue } from '../headers.js';
import { claimKey, idempotencyKeyOf, markReplay, settled, underClaim } from '../idempotency.js';
import { requireFlow } from '../flow-lookup.js';

/** PromptShuttle's API under `/api/v1`: runs, parameter discovery, feedback, agent trees, run log, statistics, model aliases, credits. */
export function registerShuttleRoutes(app: ZodApp, deps: AppDeps): void {
  const now = () => new Date(deps.clock.now()).toISOString();

  app.post(
    '/api/v1/flows/:flowId/runs',
    { schema: { params: routeParams('flowId'), body: describedBody(RunRequest), response: describedResponses({ 200: ShuttleRun }) } },
    async (request, reply) => {
      const body = parseInput(RunRequest, request.body);
      const claim = await claimKey(deps, request, idempotencyKeyOf(request));
      if (claim?.prior) {
        await settled(deps, request, claim.executionId);
        const prior = await priorRunResponse(deps, request.scope, claim.executionId);
        return markReplay(reply, claim.executionId).status(prior.status).send(prior.body);
      }
      const runId = claim?.executionId ?? deps.ids.next('exec');
      const result = await underClaim(deps, request, claim, () =>
        runShuttleFlow(deps, request, {
          scope: request.scope,
          flowIdOrSlug: request.params.flowId,
          body,
          rawBody: request.body ?? {},
          customerId: headerValue(request.headers['x-shuttle-customer-id']) ?? body.customerId,
          debugUrl: headerValue(request.headers['x-shuttle-debug-url']),
          executionId: runId,
        }),
      );
      return reply.status(result.status).send(result.body);
    },
  );

  app.get(
    '/api/v1/flows/:flowId/runs/:runId',
    { schema: { params: routeParams('flowId', 'runId'), response: describedResponses({ 200: StoredShuttleRun }) } },
    async (request) => {
      const { flowId, runId } = request.params;
      const flow = await requireFlow(deps, request.scope, flowId);
      const execution = await deps.store.getExecution(request.scope, runId);
      if (!execution || execution.flowId !== flow.id) throw new FlowrunError('NOT_FOUND', `Run ${runId} of flow ${flowId} not found`);
      const stored = ((await deps.store.getExecutionMeta(runId)) as { response?: Record<string, unknown> } | null) ?? {};
      const feedback = await deps.store.getFeedback(request.scope, runId);
      return storedRunView(stored.response, { id: execution.id, flowId: flow.id, status: execution.status }, feedback);
    },
  );

  app.get(
    '/api/v1/flows/:flowId/parameters',
    { schema: { params: routeParams('flowId'), response: describedResponses({ 200: ShuttleParameters }) } },
    async (request) => {
      const query = parseInput(ParametersQuery, request.query, ['query']);
      const flow = await resolveRunVersion(deps, request.scope, request.params.flowId, query.version, query.environment);
      const { templates, entry } = entrypointOf(flow, query.entrypoint);
      return discoverParameters(entry, templates);
    },
  );

  app.post(
    '/api/v1/feedback',
    { schema: { body: describedBody(Feedback), response: describedResponses({ 200: FeedbackAnswer }) } },
    async (request) => {
      const body = parseInput(Feedback, request.body);
      const execution = await deps.store.getExecution(request.scope, body.shuttleRequestId);
      if (!execution)
        throw new FlowrunError('NOT_FOUND', `Run ${body.shuttleRequestId} not found`, [
          { code: 'NOT_FOUND', path: 'shuttleRequestId', message: 'no such run' },
        ]);
      await deps.store.upsertFeedback(
        request.scope,
        execution.id,
        { score: body.score, text: body.text ?? null, endUserId: body.endUserId ?? null },
        now(),
      );
      return { shuttleRequestId: execution.id, ...(await deps.store.getFeedback(request.scope, execution.id)) };
    },
  );

  app.get(
    '/api/v1/flows/:flowId/runs/:runId/agent-tree',
    { schema: { params: routeParams('flowId', 'runId'), response: describedResponses({ 200: AgentTree }) } },
    async (request) => {
      const { flowId, runId } = request.params;
      const flow = await requireFlow(deps, request.scope, flowId);
      const execution = await deps.store.getExecution(request.scope, runId);
      if (!execution || execution.flowId !== flow.id) throw new FlowrunError('NOT_FOUND', `Run ${runId} of flow ${flowId} not found`);
      return agentTree(await buildExecutionTree(deps.store, request.scope, execution), 'main');
    },
  );

  app.get('/api/v1/runs', { schema: { response: describedResponses({ 200: ShuttleRunPage }) } }, async (request) => {
    const query = parseInput(ShuttleRunsQuery, request.query, ['query']);
    if (query.flowId) query.flowId = (await requireFlow(deps, request.scope, query.flowId)).id;
    const { items, total } = await deps.store.listRuns(request.scope, query);
    return { data: items, pagination: { limit: query.limit, offset: query.offset, total, hasMore: query.offset + items.length < total } };
  });

  app.get('/api/v1/statistics/usage', { schema: { response: describedResponses({ 200: UsageStatistics }) } }, async (request) => {
    const query = parseInput(UsageQuery, request.query, ['query']);
    return {
      from: query.from ?? null,
      to: query.to ?? null,
      groupBy: query.groupBy,
      ...(query.interval ? { interval: query.interval } : {}),
      data: await deps.store.usageTotals(request.scope, query),
    };
  });

  app.get('/api/v1/model-aliases', { schema: { response: describedResponses({ 200: ModelAliasList }) } }, async (request) => ({
    data: await deps.store.listAliases(request.scope),
  }));
  app.post(
    '/api/v1/model-aliases',
    { schema: { body: describedBody(ModelAliasBody), response: describedResponses({ 201: ModelAlias }) } },
    async (request, reply) => {
      const body = parseInput(ModelAliasBody, request.body);
      for (const [index, model] of body.models.entries()) {
        const resolution = deps.models.resolve(model);
        if (!resolution.ok)
          throw new FlowrunError('VALIDATION_ERROR', resolution.reason, [
            {
              code: resolution.code,
              path: `models[${index}]`,
              message: resolution.reason,
              ...(resolution.suggestion ? { suggestion: resolution.suggestion } : {}),
            },
          ]);
      }
      await deps.store.putAlias(
        request.scope,
        { alias: body.alias, models: body.models, strategy: body.strategy, weights: body.weights ?? null },
        now(),
      );
      return reply.status(201).send(body);
    },
  );
  app.delete(
    '/api/v1/model-aliases/:alias',
    { schema: { params: routeParams('alias'), response: describedResponses({ 204: NoContent }) } },
    async (request, reply) => {
      if (!(await deps.store.deleteAlias(request.scope, request.params.alias))) throw new FlowrunError('NOT_FOUND', 'No such alias');
      return reply.status(204).send();
    },
  );

  app.get('/api/v1/credits', { schema: { response: describedResponses({ 200: CreditBalance }) } }, async (request) => ({
    tenantId: request.scope.tenantId,
    mode: request.scope.mode,
    creditsLeft: await deps.store.getBalance(request.scope),
  }));

  app.get(
    '/api/v1/credits/ledger',
    { schema: { querystring: LedgerQuery, response: describedResponses({ 200: CreditLedger }) } },
    async (request) => {
      const page = parseInput(LedgerQuery, request.query, ['query']);
      const { items, total } = await deps.store.listLedger(request.scope, page);
      return { data: items, pagination: { ...page, total, hasMore: page.offset + items.length < total } };
    },
  );
}
