import {
  ApprovalList,
  ApprovalListQuery,
  ApproveBody,
  ContinueBody,
  describedBody,
  describedResponses,
  DispatchResult,
  EventsQuery,
  ResumeBody,
  routeParams,
  runAnswer,
  type ZodApp,
} from '../contract.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FlowrunError } from '../../protocol/errors.js';
import type { Answers } from '../../runs/continue-run.js';
import type { ExecutionRow } from '../../runs/recovery.js';
import type { TenantScope } from '../../protocol/tenant.js';
import { fromJson } from '../../store/json-column.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import type { PreparedRun } from '../prepare-dispatch.js';
import { chooseDialect, isDialect, type Dialect } from '../wire/dialect.js';
import { headerValue } from '../headers.js';
import { respondWithRun } from '../respond-with-run.js';

function dialectFor(request: FastifyRequest, row: ExecutionRow): Dialect {
  // The routes' schema validated the query already (an unknown vocabulary is a 422).
  const { events } = EventsQuery.parse(request.query ?? {});
  if (events) return events;
  if (headerValue(request.headers['x-persona-version'])) return chooseDialect(undefined, 'yes', false);
  return isDialect(row.dialect) ? row.dialect : 'runtype';
}

/**
 * Continues a paused run with `answers`, streaming (or returning) the rest in the same execution and event
 * sequence, without a second start event. While an approval is still pending, it answers that the run waits.
 */
async function continueAndRespond(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  executionId: string,
  answers: Answers,
  stream: boolean,
): Promise<unknown> {
  const { row, pause } = await deps.runs.pausedExecution(request.scope, executionId);
  const job = await deps.runs.continuePaused(row, pause, answers, await admissionOf(deps, request, row));
  if (!job) {
    const waiting = (await deps.store.listApprovals(request.scope, { executionId, status: 'pending', limit: 100 })).map(
      (approval) => approval.id,
    );
    return reply.status(202).send({ executionId, status: 'paused', waitingFor: { approvals: waiting } });
  }
  const agent = row.kind === 'agent' ? (fromJson<NonNullable<PreparedRun['agent']>>(row.agent) ?? undefined) : undefined;
  const prepared: PreparedRun = { executionId, flow: job.request.flow, agent, job };
  return respondWithRun(deps, request, reply, prepared, dialectFor(request, row), { stream, cancelOnDisconnect: false });
}

/** A continued run takes its place among the runs in flight of the key that started it, and of its tenant. */
async function admissionOf(deps: AppDeps, request: FastifyRequest, row: ExecutionRow): Promise<TenantScope> {
  if (row.api_key_id === (request.scope.keyId ?? null)) return request.scope;
  return deps.runs.scopeOfKey(row);
}

/**
 * Records a person's decision; 404 unknown approval (or not of this execution), 409 decided already, 429 before
 * anything is recorded when the run could not take a place among the runs in flight now. (Should the place be
 * taken between this check and the continuation, the decision stands and the approval sweeper continues the run
 * once a place is free.)
 */
async function decide(
  deps: AppDeps,
  request: FastifyRequest,
  executionId: string,
  approvalId: string,
  decision: 'approved' | 'denied',
  reason?: string,
): Promise<void> {
  const { row } = await deps.runs.pausedExecution(request.scope, executionId);
  await deps.runs.admitInFlight(await admissionOf(deps, request, row));
  const approval = await deps.store.getApproval(approvalId);
  // A wait-until's wake-up is decided by the clock only: to a client it is no approval.
  if (!approval || approval.executionId !== executionId || approval.kind === 'wait')
    throw new FlowrunError('NOT_FOUND', `Approval ${approvalId} of execution ${executionId} not found`);
  if (!(await deps.store.decideApproval(approvalId, decision, 'user', reason, new Date(deps.clock.now()).toISOString()))) {
    throw new FlowrunError('CONFLICT', `Approval ${approvalId} was decided already (${approval.status})`);
  }
}

export function registerResumeRoutes(app: ZodApp, deps: AppDeps): void {
  const resume = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseInput(ResumeBody, request.body);
    const answers = { toolOutputs: body.toolOutputs, messages: body.messages, secrets: body.secrets };
    return continueAndRespond(deps, request, reply, body.executionId, answers, body.streamResponse !== false);
  };
  app.post(
    '/v1/dispatch/resume',
    {
      schema: {
        querystring: EventsQuery,
        body: describedBody(ResumeBody),
        response: describedResponses({
          200: runAnswer(DispatchResult, 'the run from where it paused: its events, or one JSON document with streamResponse: false'),
        }),
      },
    },
    resume,
  );

  const approve = async (request: FastifyRequest, reply: FastifyReply, agentId?: string) => {
    const body = parseInput(ApproveBody, request.body);
    if (agentId) {
      const row = await deps.runs.pausedExecution(request.scope, body.executionId);
      if (fromJson<{ id: string }>(row.row.agent)?.id !== agentId)
        throw new FlowrunError('NOT_FOUND', `Execution ${body.executionId} is not a run of agent ${agentId}`);
    }
    await decide(deps, request, body.executionId, body.approvalId, body.decision, body.reason);
    return continueAndRespond(deps, request, reply, body.executionId, { toolOutputs: {}, messages: [] }, body.streamResponse !== false);
  };
  app.post(
    '/v1/dispatch/approve',
    {
      schema: {
        querystring: EventsQuery,
        body: describedBody(ApproveBody),
        response: describedResponses({
          200: runAnswer(DispatchResult, 'the run from where it paused: its events, or one JSON document with streamResponse: false'),
        }),
      },
    },
    (request, reply) => approve(request, reply),
  );
  app.post(
    '/v1/agents/:id/approve',
    {
      schema: {
        params: routeParams('id'),
        querystring: EventsQuery,
        body: describedBody(ApproveBody),
        response: describedResponses({
          200: runAnswer(DispatchResult, 'the run from where it paused: its events, or one JSON document with streamResponse: false'),
        }),
      },
    },
    (request, reply) => approve(request, reply, request.params.id),
  );
  app.post(
    '/v1/agents/:id/resume',
    {
      schema: {
        params: routeParams('id'),
        querystring: EventsQuery,
        body: describedBody(ResumeBody),
        response: describedResponses({
          200: runAnswer(DispatchResult, 'the agent run from where it paused: its events, or one JSON document'),
        }),
      },
    },
    resume,
  );

  // Runtype documents `continuation` as "a tool output or an approval decision" without its shape; Flowrun
  // accepts `{toolOutputs}`, `{toolCallId, output}`, and `{approvalId, decision, reason}` (see docs/compatibility.md).
  app.post(
    '/v1/dispatch/continue',
    {
      schema: {
        querystring: EventsQuery,
        body: describedBody(ContinueBody),
        response: describedResponses({
          200: runAnswer(DispatchResult, 'the run from where it paused: its events, or one JSON document with streamResponse: false'),
        }),
      },
    },
    async (request, reply) => {
      const body = parseInput(ContinueBody, request.body);
      const continuation = body.continuation;
      if (continuation.approvalId) {
        if (!continuation.decision)
          throw new FlowrunError('VALIDATION_ERROR', 'continuation.decision is required with continuation.approvalId', [
            { code: 'MISSING_REQUIRED_FIELD', path: 'continuation.decision', message: 'approved or denied' },
          ]);
        await decide(deps, request, body.executionId, continuation.approvalId, continuation.decision, continuation.reason);
        return continueAndRespond(deps, request, reply, body.executionId, { toolOutputs: {}, messages: [] }, body.streamResponse !== false);
      }
      const toolOutputs = continuation.toolOutputs ?? (continuation.toolCallId ? { [continuation.toolCallId]: continuation.output } : {});
      return continueAndRespond(
        deps,
        request,
        reply,
        body.executionId,
        { toolOutputs, messages: continuation.messages ?? [] },
        body.streamResponse !== false,
      );
    },
  );

  app.get('/v1/approvals', { schema: { response: describedResponses({ 200: ApprovalList }) } }, async (request) => {
    const query = parseInput(ApprovalListQuery, request.query);
    return { data: await deps.store.listApprovals(request.scope, query) };
  });
}
