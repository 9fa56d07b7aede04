import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ResumeState } from '../../engine/run-context.js';
import type { PauseSnapshot } from '../../engine/run-flow.js';
import { countSteps, validateFlowSteps } from '../../engine/validate-flow.js';
import { FlowrunError } from '../../protocol/errors.js';
import { ChatMessage, type FlowDefinition } from '../../protocol/flow.js';
import type { RecordData } from '../../protocol/record.js';
import { zodIssuesToDetails } from '../../protocol/zod-details.js';
import { claimPaused, getExecutionRow } from '../../store/executions-repository.js';
import { getFlow } from '../../store/flows-repository.js';
import { fromJson } from '../../store/json-column.js';
import { getRecord } from '../../store/records-repository.js';
import type { AppDeps } from '../app-deps.js';
import { clientToolsOf, parseAgent, resolveSavedTools, type PreparedRun } from '../prepare-dispatch.js';
import { getAgent } from '../../store/agents-repository.js';
import { chooseDialect, isDialect } from '../wire/dialect.js';
import { parseDispatchBody } from '../wire/dispatch-request.js';
import { headerValue, respondWithRun } from './dispatch.js';

const ResumeBody = z
  .object({
    executionId: z.string().min(1).max(200),
    toolOutputs: z.record(z.string(), z.unknown()).default({}),
    messages: z.array(ChatMessage).max(1000).default([]),
    streamResponse: z.boolean().optional(),
    secrets: z.record(z.string(), z.string().max(100_000)).optional(),
  })
  .loose();

/**
 * `POST /v1/dispatch/resume`: continues a run paused for client tool outputs, in the same execution and event
 * sequence, without a second start event. The paused state comes from the store, so any process can resume.
 */
export function registerResumeRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post('/v1/dispatch/resume', async (request, reply) => {
    const parsed = ResumeBody.safeParse(request.body);
    if (!parsed.success) {
      const details = zodIssuesToDetails(parsed.error, request.body);
      throw new FlowrunError('VALIDATION_ERROR', details[0]?.message ?? 'Invalid resume request', details);
    }
    const body = parsed.data;
    const row = await getExecutionRow(deps.db, body.executionId);
    if (!row) throw new FlowrunError('NOT_FOUND', `Execution ${body.executionId} not found`);
    if (row.tenant_id !== request.scope.tenantId || row.mode !== request.scope.mode) {
      throw new FlowrunError('FORBIDDEN', `Execution ${body.executionId} belongs to another tenant or mode`);
    }
    if (row.status !== 'paused' || !row.pause_state) throw new FlowrunError('NOT_PAUSED', `Execution ${body.executionId} is ${row.status}, not paused`);
    const pause = fromJson<PauseSnapshot>(row.pause_state)!;
    const toolOutputs = matchOutputs(pause, body.toolOutputs);

    const input = parseDispatchBody(fromJson(row.input)).body;
    const agent = row.kind === 'agent' ? fromJson<NonNullable<PreparedRun['agent']>>(row.agent) ?? undefined : undefined;
    const flow = agent ? await loadAgentFlow(deps, request.scope, agent.id, input) : await loadFlow(deps, request.scope, row.flow_id, row.flow_version_id, row.flow_name, input.flow?.steps);
    const record: RecordData = row.record_id
      ? ((await getRecord(deps.db, request.scope, row.record_id)) ?? virtualRecord(input))
      : virtualRecord(input);
    const tools = await resolveSavedTools(deps.db, request.scope, flow.steps);
    if (!(await claimPaused(deps.db, row.id))) throw new FlowrunError('NOT_PAUSED', `Execution ${row.id} is being resumed already`);

    const resume: ResumeState = {
      completedStepIds: pause.completedStepIds, variables: pause.variables, stepsRun: pause.stepIndex, pausedStepId: pause.stepId,
      loop: pause.loop, pending: pause.pending, toolOutputs, messages: body.messages, usage: pause.usage, counters: pause.counters,
    };
    const options = input.options ?? {};
    const prepared: PreparedRun = {
      executionId: row.id,
      flow,
      agent,
      job: {
        scope: request.scope,
        lastSeq: row.last_seq,
        persistRecordMetadata: record.id !== null && options.autoAppendMetadata === true,
        request: {
          executionId: row.id, flow, record, inputs: input.inputs ?? {},
          secrets: body.secrets ?? deps.workerDeps.pausedSecrets.get(row.id) ?? {},
          messages: input.messages ?? [], options: { modelOverride: options.modelOverride, autoAppendMetadata: options.autoAppendMetadata },
          source: row.flow_version_id ? 'api' : 'standalone', startedAt: deps.clock.now(), tools, clientTools: clientToolsOf(input), depth: 0,
          scope: request.scope, resume, kind: agent ? 'agent' : 'flow',
        },
      },
    };
    const query = request.query as { events?: string };
    const dialect = isDialect(query.events) ? query.events : headerValue(request.headers['x-persona-version']) ? chooseDialect(undefined, 'yes', false) : isDialect(row.dialect) ? row.dialect : 'runtype';
    return respondWithRun(deps, request, reply, prepared, dialect, { stream: body.streamResponse !== false, cancelOnDisconnect: false });
  });
}

/** Outputs keyed by tool-call id, or (legacy clients) by tool name; every pending call needs one. */
function matchOutputs(pause: PauseSnapshot, outputs: Record<string, unknown>): Record<string, unknown> {
  const matched: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const call of pause.pending) {
    if (call.toolCallId in outputs) matched[call.toolCallId] = outputs[call.toolCallId];
    else if (call.toolName in outputs) matched[call.toolCallId] = outputs[call.toolName];
    else missing.push(`${call.toolName} (${call.toolCallId})`);
  }
  if (missing.length > 0) {
    throw new FlowrunError('VALIDATION_ERROR', `toolOutputs is missing outputs for: ${missing.join(', ')}`, missing.map((name) => ({
      code: 'MISSING_REQUIRED_FIELD' as const, path: 'toolOutputs', message: `no output for pending tool call ${name}`,
    })));
  }
  return matched;
}

async function loadFlow(deps: AppDeps, scope: { tenantId: string; mode: 'test' | 'live' }, flowId: string | null, versionId: string | null, name: string, steps: unknown): Promise<FlowDefinition> {
  if (flowId && versionId) {
    const stored = await getFlow(deps.db, scope, flowId, versionId);
    if (!stored) throw new FlowrunError('NOT_FOUND', `Flow ${flowId} version ${versionId} no longer exists`);
    return { id: stored.id, name: stored.name, versionId: stored.versionId, steps: validateFlowSteps(stored.definition.steps ?? [], ['flow', 'steps'], { models: deps.models }) };
  }
  const validated = validateFlowSteps(steps, ['flow', 'steps'], { models: deps.models });
  countSteps(validated);
  return { id: flowId, name, versionId: null, steps: validated };
}

async function loadAgentFlow(deps: AppDeps, scope: { tenantId: string; mode: 'test' | 'live' }, agentId: string, input: ReturnType<typeof parseDispatchBody>['body']): Promise<FlowDefinition> {
  const reference = (input.agent ?? {}) as Record<string, unknown>;
  const savedId = typeof reference.agentId === 'string' ? reference.agentId : typeof reference.id === 'string' && reference.name === undefined ? reference.id : undefined;
  const raw = savedId ? (await getAgent(deps.db, scope, savedId))?.definition : reference;
  if (!raw) throw new FlowrunError('NOT_FOUND', `Agent ${agentId} no longer exists`);
  const spec = parseAgent(agentId, raw, 'agent', deps.models, input.options?.modelOverride);
  return { id: null, name: spec.name, versionId: null, steps: validateFlowSteps([spec.step], ['agent'], { models: deps.models, modelOverride: input.options?.modelOverride }) };
}

function virtualRecord(input: ReturnType<typeof parseDispatchBody>['body']): RecordData {
  return { id: null, name: input.record?.name ?? 'Untitled record', type: input.record?.type ?? 'default', metadata: input.record?.metadata ?? {}, created: false };
}
