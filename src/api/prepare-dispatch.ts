import { resolveAgentSpec } from '../engine/agent.js';
import { ignoredAgentFields, ignoredDispatchOptions } from '../protocol/ignored-fields.js';
import { validateFlowSteps } from '../engine/validate-flow.js';
import type { AgentSpec } from '../protocol/agent.js';
import { FlowrunError } from '../protocol/errors.js';
import type { FlowDefinition } from '../protocol/flow.js';
import type { RecordData } from '../protocol/record.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { RunJob } from '../runs/execute-run.js';
import { clientToolsOf } from '../runs/run-builder.js';
import type { FlowSource } from '../runs/prepare-run.js';
import { type StoredFlowDefinition } from '../store/flows-repository.js';
import type { AppDeps } from './app-deps.js';
import type { Dialect } from './wire/dialect.js';
import type { DispatchBody } from './wire/dispatch-request.js';

export interface PreparedRun {
  job: RunJob;
  executionId: string;
  flow: FlowDefinition;
  /** Set for agent runs (their events are agent_* / turn_*). */
  agent?: { id: string; name: string; maxTurns: number; model?: string };
}

/**
 * A dispatch body in the admission pipeline's terms: the flow (virtual, existing, create, upsert) or the agent,
 * the record (virtual, existing, create; found or created once every check has passed), and the run.
 */
export async function prepareDispatch(
  deps: Pick<AppDeps, 'runs' | 'store' | 'ids' | 'clock' | 'models'>,
  scope: TenantScope,
  body: DispatchBody,
  dialect: Dialect,
  /** The id the run gets (an Idempotency-Key claimed it already); a new one otherwise. */
  executionId = deps.ids.next('exec'),
): Promise<PreparedRun> {
  const now = new Date(deps.clock.now()).toISOString();
  const options = body.options ?? {};
  if (body.agent !== undefined) return prepareAgentRun(deps, scope, body, dialect, executionId);
  const flowInput = body.flow;
  if (!flowInput) {
    throw new FlowrunError('VALIDATION_ERROR', 'Flow definition required', [
      { code: 'MISSING_REQUIRED_FIELD', path: 'flow', message: 'flow is required' },
    ]);
  }
  const flowMode = options.flowMode ?? (flowInput.id && !flowInput.steps ? 'existing' : 'virtual');
  const recordMode = options.recordMode ?? 'virtual';
  const { job, flow } = await deps.runs.prepare({
    ...runOf(body, executionId, scope, dialect),
    flow: flowMode === 'existing' ? existingFlow(body, flowInput) : await givenFlow(deps, body, scope, flowInput, flowMode, now),
    validation: { at: ['flow', 'steps'], conversation: (body.messages?.length ?? 0) > 0 },
    record: () => resolveRecord(deps, scope, body, recordMode, now),
    options: {
      modelOverride: options.modelOverride,
      autoAppendMetadata: options.autoAppendMetadata,
      strictVariables: options.strictVariables,
      ignoredFields: ignoredDispatchOptions(options),
    },
    source: flowMode === 'virtual' ? 'standalone' : 'api',
    persistRecordMetadata: recordMode !== 'virtual' && options.autoAppendMetadata === true,
  });
  return { executionId, flow, job };
}

/** What every dispatched run carries, flow or agent. */
function runOf(body: DispatchBody, executionId: string, scope: TenantScope, dialect: Dialect) {
  return {
    executionId,
    scope,
    inputs: inputsOf(body),
    secrets: body.secrets ?? {},
    messages: body.messages ?? [],
    clientTools: clientToolsOf(body.clientTools),
    storedInput: withoutSecrets(body),
    dialect,
    credits: { promptChars: JSON.stringify(body).length, maxRequestCostCredits: body.options?.maxRequestCostCredits },
  };
}

type FlowInput = NonNullable<DispatchBody['flow']>;
type FlowMode = NonNullable<NonNullable<DispatchBody['options']>['flowMode']>;

/** `flowMode: existing`: the stored flow, at the version asked for, or the one active in the environment. */
function existingFlow(body: DispatchBody, flowInput: FlowInput): FlowSource {
  if (!flowInput.id) throw missing('flow.id', 'flow.id is required when flowMode is existing');
  const options = body.options ?? {};
  return {
    kind: 'stored',
    flowId: flowInput.id,
    versionId: options.flowVersionId,
    environment: options.environment,
    paths: { flow: 'flow.id', version: 'flow.id', environment: 'options.environment' },
  };
}

/** The flow in the request: run as given (`virtual`), or stored first (`create`, `upsert`: a new version on change). */
async function givenFlow(
  deps: Pick<AppDeps, 'store' | 'ids' | 'models'>,
  body: DispatchBody,
  scope: TenantScope,
  flowInput: FlowInput,
  flowMode: FlowMode,
  now: string,
): Promise<FlowSource> {
  const { store, ids } = deps;
  if (flowInput.steps === undefined) throw missing('flow.steps', 'Flow definition required: flow.steps is missing');
  if (flowMode !== 'virtual' && !flowInput.name) throw missing('flow.name', `flow.name is required when flowMode is ${flowMode}`);
  const definition: StoredFlowDefinition = {
    name: flowInput.name ?? 'Untitled flow',
    description: flowInput.description,
    steps: flowInput.steps,
  };
  if (flowMode === 'virtual') {
    const flow = { id: ids.next('flow'), name: definition.name, description: definition.description, versionId: null };
    return { kind: 'steps', flow, rawSteps: flowInput.steps };
  }
  // Nothing is stored that does not validate.
  validateFlowSteps(flowInput.steps, ['flow', 'steps'], {
    models: deps.models,
    modelOverride: body.options?.modelOverride,
    conversation: (body.messages?.length ?? 0) > 0,
  });
  const existing = flowMode === 'upsert' ? await store.findFlowByName(scope, definition.name) : null;
  const stored = existing
    ? body.options?.upsertOptions?.createVersionOnChange === false
      ? existing
      : await store.upsertFlowVersion(existing, definition, ids.next('flowver'), now, { forkAlways: true })
    : await store.createFlow(scope, definition, { flowId: ids.next('flow'), versionId: ids.next('flowver') }, now);
  const flow = { id: stored.id, name: stored.name, description: stored.description ?? undefined, versionId: stored.versionId };
  return { kind: 'steps', flow, rawSteps: stored.definition.steps ?? flowInput.steps };
}

/** The agent a dispatch names: a saved one (`{agentId}`, or `{id}` alone), or the inline definition itself. */
async function agentDefinitionOf(
  deps: Pick<AppDeps, 'store' | 'ids'>,
  scope: TenantScope,
  reference: Record<string, unknown>,
): Promise<{ agentId: string; raw: unknown }> {
  const savedId =
    typeof reference.agentId === 'string'
      ? reference.agentId
      : typeof reference.id === 'string' && reference.name === undefined
        ? reference.id
        : undefined;
  if (savedId) {
    const stored = await deps.store.getAgent(scope, savedId);
    if (!stored)
      throw new FlowrunError('NOT_FOUND', `Agent ${savedId} not found`, [
        { code: 'NOT_FOUND', path: reference.agentId ? 'agent.agentId' : 'agent.id', message: `Agent ${savedId} not found` },
      ]);
    return { agentId: stored.id, raw: stored.definition };
  }
  return { agentId: typeof reference.id === 'string' ? reference.id : deps.ids.next('agent'), raw: reference };
}

/**
 * An agent run: `agent` is `{agentId}`, `{id}` (a saved agent) or an inline definition; the conversation is
 * `messages`. It runs as a one-step flow (the agent's tool loop) whose events are spoken in agent terms.
 */
async function prepareAgentRun(
  deps: Pick<AppDeps, 'runs' | 'store' | 'ids' | 'clock' | 'models'>,
  scope: TenantScope,
  body: DispatchBody,
  dialect: Dialect,
  executionId: string,
): Promise<PreparedRun> {
  const reference = body.agent as Record<string, unknown> | null;
  if (reference === null || typeof reference !== 'object' || Array.isArray(reference)) {
    throw new FlowrunError('VALIDATION_ERROR', 'agent must be {agentId}, {id} or an agent definition', [
      { code: 'INVALID_TYPE', path: 'agent', message: 'agent must be an object' },
    ]);
  }
  const { agentId, raw } = await agentDefinitionOf(deps, scope, reference);
  const spec = withClientContext(
    resolveAgentSpec({ id: agentId, raw, path: 'agent', models: deps.models, modelOverride: body.options?.modelOverride }),
    body.context,
  );
  const messages = body.messages ?? [];
  if (messages.length === 0) {
    throw new FlowrunError('VALIDATION_ERROR', 'An agent run needs messages', [
      { code: 'MISSING_REQUIRED_FIELD', path: 'messages', message: 'messages must hold the conversation (at least one message)' },
    ]);
  }
  const agent = { id: spec.id, name: spec.name, maxTurns: spec.maxTurns, ...(spec.model ? { model: spec.model } : {}) };
  const { job, flow } = await deps.runs.prepare({
    ...runOf(body, executionId, scope, dialect),
    flow: { kind: 'steps', flow: { id: null, name: spec.name, versionId: null }, rawSteps: [spec.step] },
    // The agent runs as a one-step flow whose step is its definition: `agent[0].config.tools` is `agent.tools`.
    validation: { at: ['agent'], conversation: false, asWritten: (path) => path.replace(/^agent\[0\](\.config)?/, 'agent') },
    record: {
      id: null,
      name: body.record?.name ?? spec.name,
      type: body.record?.type ?? 'agent',
      metadata: { ...body.record?.metadata, ...body.metadata },
      created: false,
    },
    options: {
      modelOverride: body.options?.modelOverride,
      strictVariables: body.options?.strictVariables,
      ignoredFields: [...ignoredAgentFields(raw), ...ignoredDispatchOptions(body.options)],
    },
    source: 'agent',
    kind: 'agent',
    agent,
  });
  return { executionId, flow, agent, job };
}

export { resolveAgentSpec as parseAgent };

/** A run's template inputs: `inputs`, and the request's `context` as `{{context.…}}`. */
function inputsOf(body: DispatchBody): Record<string, unknown> {
  return body.context ? { ...body.inputs, context: body.context } : (body.inputs ?? {});
}

/**
 * An agent sees the client's `context` (the page the user is on, what they selected) after its system prompt, as
 * Runtype's widget intends its context providers to be read; it is inserted as a value, never read as a template.
 */
function withClientContext(spec: AgentSpec, context: Record<string, unknown> | undefined): AgentSpec {
  if (!context || Object.keys(context).length === 0) return spec;
  const config = spec.step.config as Record<string, unknown>;
  const system = typeof config.systemPrompt === 'string' ? `${config.systemPrompt}\n\n` : '';
  return { ...spec, step: { ...spec.step, config: { ...config, systemPrompt: `${system}Context from the client (JSON):\n{{context}}` } } };
}

async function resolveRecord(
  deps: Pick<AppDeps, 'store' | 'ids'>,
  scope: TenantScope,
  body: DispatchBody,
  mode: 'virtual' | 'existing' | 'create',
  now: string,
): Promise<RecordData> {
  const input = body.record ?? {};
  const metadata = input.metadata ?? {};
  if (mode === 'existing') {
    if (input.id === undefined) throw missing('record.id', 'record.id is required when recordMode is existing');
    const stored = await deps.store.getRecord(scope, String(input.id));
    if (!stored)
      throw new FlowrunError('NOT_FOUND', `Record ${input.id} not found`, [
        { code: 'NOT_FOUND', path: 'record.id', message: `Record ${input.id} not found` },
      ]);
    return { ...stored, metadata: { ...stored.metadata, ...metadata } };
  }
  const data = { name: input.name ?? 'Untitled record', type: input.type ?? 'default', metadata };
  if (mode === 'create') return deps.store.createRecord(scope, data, deps.ids.next('record'), now);
  return { ...data, id: null, created: false };
}

function missing(path: string, message: string): FlowrunError {
  return new FlowrunError('VALIDATION_ERROR', message, [{ code: 'MISSING_REQUIRED_FIELD', path, message }]);
}

function withoutSecrets(body: DispatchBody): unknown {
  if (!body.secrets) return body;
  return { ...body, secrets: Object.fromEntries(Object.keys(body.secrets).map((key) => [key, '[REDACTED]'])) };
}
