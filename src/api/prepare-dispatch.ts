import { walkSteps } from '../engine/steps/registry.js';
import { savedToolReferences, validateFlowSteps } from '../engine/validate-flow.js';
import { FlowrunError } from '../protocol/errors.js';
import { mediaPartTypes, type ChatMessage, type FlowDefinition, type Step } from '../protocol/flow.js';
import { resolveAgentSpec } from '../engine/agent.js';
import type { AgentSpec } from '../protocol/agent.js';
import { reserveForRun, worstCaseCredits } from './credits.js';
import type { ResolvedTool } from '../engine/ports.js';
import type { RecordData } from '../protocol/record.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { RunJob } from '../queue/execute-run.js';
import { clientToolsOf, startRun } from '../queue/run-builder.js';
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
 * Turns a validated dispatch body into a stored, queued execution: resolves the flow (virtual, existing,
 * create, upsert) and the record (virtual, existing, create). Every check that can refuse the request runs
 * before anything is written.
 */
export async function prepareDispatch(
  deps: Pick<AppDeps, 'db' | 'store' | 'vault' | 'leases' | 'ids' | 'clock' | 'models' | 'settings'>,
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
  const { flow, rawSteps } =
    flowMode === 'existing'
      ? await existingFlow(deps, scope, body, flowInput)
      : await givenFlow(deps, scope, body, flowInput, flowMode, now);
  checkMediaInput(flow.steps, body.messages, deps.models, options.modelOverride);
  const tools = await resolveSavedTools(deps.store, scope, flow.steps);
  const record = await resolveRecord(deps, scope, body, options.recordMode ?? 'virtual', now);
  const reservation = await reserveForRun(
    deps,
    scope,
    estimateCredits(flow.steps, deps.models, JSON.stringify(body).length, options.modelOverride),
    options.maxRequestCostCredits,
  );
  const job = await startRun(deps, {
    executionId,
    scope,
    flow,
    rawSteps,
    record,
    inputs: inputsOf(body),
    secrets: body.secrets ?? {},
    messages: body.messages ?? [],
    options: { modelOverride: options.modelOverride, autoAppendMetadata: options.autoAppendMetadata },
    source: flowMode === 'virtual' ? 'standalone' : 'api',
    tools,
    clientTools: clientToolsOf(body.clientTools),
    storedInput: withoutSecrets(body),
    dialect,
    creditsReserved: reservation.reserved,
    persistRecordMetadata: record.id !== null && options.autoAppendMetadata === true,
  });
  return { executionId, flow, job };
}

type FlowInput = NonNullable<DispatchBody['flow']>;
type FlowMode = NonNullable<NonNullable<DispatchBody['options']>['flowMode']>;

function validatorFor(deps: Pick<AppDeps, 'models'>, body: DispatchBody) {
  return (steps: unknown) =>
    validateFlowSteps(steps, ['flow', 'steps'], {
      models: deps.models,
      modelOverride: body.options?.modelOverride,
      conversation: (body.messages?.length ?? 0) > 0,
    });
}

/** `flowMode: existing`: the stored flow, at the version asked for, or the one active in the environment. */
async function existingFlow(deps: Pick<AppDeps, 'store' | 'models'>, scope: TenantScope, body: DispatchBody, flowInput: FlowInput) {
  const options = body.options ?? {};
  if (!flowInput.id) throw missing('flow.id', 'flow.id is required when flowMode is existing');
  const version = options.flowVersionId ?? (await environmentVersion(deps.store, scope, flowInput.id, options.environment));
  const stored = await deps.store.getFlow(scope, flowInput.id, version);
  if (!stored) {
    const what = options.flowVersionId ? `Flow ${flowInput.id} version ${options.flowVersionId}` : `Flow ${flowInput.id}`;
    throw new FlowrunError('NOT_FOUND', `${what} not found`, [{ code: 'NOT_FOUND', path: 'flow.id', message: `${what} not found` }]);
  }
  const rawSteps = stepsOf(stored.definition) ?? [];
  const flow: FlowDefinition = {
    id: stored.id,
    name: stored.name,
    description: stored.description ?? undefined,
    versionId: stored.versionId,
    steps: validatorFor(deps, body)(rawSteps),
  };
  return { flow, rawSteps };
}

/** The flow in the request: run as given (`virtual`), or stored first (`create`, `upsert`: a new version on change). */
async function givenFlow(
  deps: Pick<AppDeps, 'store' | 'ids' | 'models'>,
  scope: TenantScope,
  body: DispatchBody,
  flowInput: FlowInput,
  flowMode: FlowMode,
  now: string,
): Promise<{ flow: FlowDefinition; rawSteps: unknown[] }> {
  const { store, ids } = deps;
  const validate = validatorFor(deps, body);
  if (flowInput.steps === undefined) throw missing('flow.steps', 'Flow definition required: flow.steps is missing');
  const steps = validate(flowInput.steps);
  if (flowMode !== 'virtual' && !flowInput.name) throw missing('flow.name', `flow.name is required when flowMode is ${flowMode}`);
  const definition: StoredFlowDefinition = {
    name: flowInput.name ?? 'Untitled flow',
    description: flowInput.description,
    steps: flowInput.steps,
  };
  if (flowMode === 'virtual') {
    return {
      flow: { id: ids.next('flow'), name: definition.name, description: definition.description, versionId: null, steps },
      rawSteps: flowInput.steps,
    };
  }
  const existing = flowMode === 'upsert' ? await store.findFlowByName(scope, definition.name) : null;
  const stored = existing
    ? body.options?.upsertOptions?.createVersionOnChange === false
      ? existing
      : await store.upsertFlowVersion(existing, definition, ids.next('flowver'), now, { forkAlways: true })
    : await store.createFlow(scope, definition, { flowId: ids.next('flow'), versionId: ids.next('flowver') }, now);
  const rawSteps = stored.definition.steps ?? flowInput.steps;
  return {
    flow: {
      id: stored.id,
      name: stored.name,
      description: stored.description ?? undefined,
      versionId: stored.versionId,
      steps: validate(rawSteps),
    },
    rawSteps,
  };
}

/** The worst case of a flow's prompt steps: each may call its model once, plus once per tool call it allows. */
export function estimateCredits(steps: Step[], models: AppDeps['models'], promptChars: number, modelOverride?: string): number {
  let total = 0;
  walkSteps(steps, (step) => {
    if (step.type !== 'prompt') return;
    const resolution = models.resolve(modelOverride ?? step.config.model ?? '');
    const calls = 1 + (step.config.tools ? step.config.tools.maxToolCalls : 0);
    total += worstCaseCredits(resolution.ok ? resolution.price : undefined, promptChars, step.config.maxTokens ?? 4096, calls);
  });
  return Math.max(1, total);
}

/**
 * Images and files in the conversation reach every prompt step that reads it (an agent; a step without a prompt of
 * its own; `previousMessages: "{{messages}}"`); a model the catalog says takes text only is refused up front.
 */
export function checkMediaInput(
  steps: Step[],
  messages: ChatMessage[] | undefined,
  models: AppDeps['models'],
  modelOverride?: string,
): void {
  const media = mediaPartsOf(messages ?? []);
  if (media.length === 0) return;
  walkSteps(steps, (step) => {
    if (step.type !== 'prompt') return;
    const config = step.config;
    const reads =
      (typeof config.previousMessages === 'string' && config.previousMessages.includes('{{messages}}')) ||
      (config.previousMessages === undefined &&
        config.messages === undefined &&
        config.userPrompt === undefined &&
        config.text === undefined);
    const model = modelOverride ?? config.model ?? '';
    const resolution = models.resolve(model);
    if (!reads || !resolution.ok || resolution.acceptsImages !== false) return;
    throw new FlowrunError(
      'VALIDATION_ERROR',
      `Model '${model}' takes text only; the conversation has ${media[0]!.type} input`,
      media.map((part) => ({
        code: 'INVALID_VALUE' as const,
        path: part.path,
        message: `model '${model}' (step '${step.name}') cannot take ${part.type} parts: use a model that accepts images and files`,
      })),
    );
  });
}

function mediaPartsOf(messages: ChatMessage[]): Array<{ type: string; path: string }> {
  return messages.flatMap((message, index) =>
    typeof message.content === 'string'
      ? []
      : message.content.flatMap((part, position) =>
          mediaPartTypes.has(part.type) ? [{ type: part.type, path: `messages[${index}].content[${position}]` }] : [],
        ),
  );
}

/** Loads the saved tools every prompt step names (by id or name); an unknown one is a 422 naming the step. */
export async function resolveSavedTools(store: AppDeps['store'], scope: TenantScope, steps: Step[]): Promise<Record<string, ResolvedTool>> {
  const wanted = savedToolReferences(steps);
  const found = await store.findTools(scope, [...new Set(wanted.map((entry) => entry.id))]);
  const missing = wanted.filter((entry) => !found[entry.id]);
  if (missing.length > 0) {
    throw new FlowrunError(
      'VALIDATION_ERROR',
      `Unknown tool '${missing[0]!.id}' in step '${missing[0]!.step.name}'`,
      missing.map((entry) => ({
        code: 'TOOL_NOT_FOUND' as const,
        path: entry.path,
        message: `step '${entry.step.name}' names tool '${entry.id}', which is not a saved tool of this tenant${entry.id.startsWith('builtin:') ? ' (built-in tools are not available in Flowrun)' : ''}`,
      })),
    );
  }
  return found;
}

/**
 * An agent runs as a one-step flow whose step config is the agent's definition: a problem found in that step
 * (`agent[0].config.tools.toolIds[0]`) is reported where the caller wrote it (`agent.tools.toolIds[0]`).
 */
async function asWritten<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!FlowrunError.isInstance(error) || !error.details) throw error;
    for (const detail of error.details) if (detail.path) detail.path = detail.path.replace(/^agent\[0\](\.config)?/, 'agent');
    throw error;
  }
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
  deps: Pick<AppDeps, 'db' | 'store' | 'vault' | 'leases' | 'ids' | 'clock' | 'models' | 'settings'>,
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
  const spec = withClientContext(resolveAgentSpec(agentId, raw, 'agent', deps.models, body.options?.modelOverride), body.context);
  const messages = body.messages ?? [];
  if (messages.length === 0) {
    throw new FlowrunError('VALIDATION_ERROR', 'An agent run needs messages', [
      { code: 'MISSING_REQUIRED_FIELD', path: 'messages', message: 'messages must hold the conversation (at least one message)' },
    ]);
  }
  const { steps, tools } = await asWritten(async () => {
    const validated = validateFlowSteps([spec.step], ['agent'], { models: deps.models, modelOverride: body.options?.modelOverride });
    checkMediaInput(validated, body.messages, deps.models, body.options?.modelOverride);
    return { steps: validated, tools: await resolveSavedTools(deps.store, scope, validated) };
  });
  const flow: FlowDefinition = { id: null, name: spec.name, versionId: null, steps };
  const reservation = await reserveForRun(
    deps,
    scope,
    estimateCredits(steps, deps.models, JSON.stringify(body).length, body.options?.modelOverride),
    body.options?.maxRequestCostCredits,
  );
  const agent = { id: spec.id, name: spec.name, maxTurns: spec.maxTurns, ...(spec.model ? { model: spec.model } : {}) };
  const options = body.options ?? {};
  const record = {
    id: null,
    name: body.record?.name ?? spec.name,
    type: body.record?.type ?? 'agent',
    metadata: { ...body.record?.metadata, ...body.metadata },
    created: false,
  };
  const job = await startRun(deps, {
    executionId,
    scope,
    flow,
    rawSteps: [spec.step],
    record,
    inputs: inputsOf(body),
    secrets: body.secrets ?? {},
    messages,
    options: { modelOverride: options.modelOverride },
    source: 'agent',
    tools,
    clientTools: clientToolsOf(body.clientTools),
    kind: 'agent',
    agent,
    storedInput: withoutSecrets(body),
    dialect,
    creditsReserved: reservation.reserved,
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

/**
 * The version `environment` runs: the one active there; without an explicit environment, production's if one
 * is active, else the flow's current version (undefined). An explicit environment with nothing active is a 404.
 */
async function environmentVersion(
  store: AppDeps['store'],
  scope: TenantScope,
  flowIdOrSlug: string,
  environment: string | undefined,
): Promise<string | undefined> {
  const flow = await store.getFlow(scope, flowIdOrSlug);
  if (!flow) return undefined;
  const active = await store.getActiveVersionId(flow.id, environment ?? 'production');
  if (active) return active;
  if (environment)
    throw new FlowrunError('NOT_FOUND', `Flow ${flowIdOrSlug} has no version active in environment '${environment}'`, [
      { code: 'NOT_FOUND', path: 'options.environment', message: `nothing is active in '${environment}'` },
    ]);
  return undefined;
}

/** A stored flow's steps; a template-only (PromptShuttle) flow runs its entrypoint template as one prompt step. */
export function stepsOf(definition: StoredFlowDefinition): unknown[] | undefined {
  if (definition.steps) return definition.steps;
  if (!definition.templates) return undefined;
  const templates = definition.templates as Array<Record<string, unknown>>;
  const entry = templates.find((template) => template.name === (definition.entrypoint ?? 'main')) ?? templates[0];
  if (!entry) return [];
  return [
    {
      id: String(entry.name ?? 'main'),
      name: String(entry.name ?? 'main'),
      type: 'prompt',
      config: {
        model: entry.llm,
        systemPrompt: entry.template,
        userPrompt: entry.userTemplate ?? '{{messages}}',
        temperature: entry.temperature,
      },
    },
  ];
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
