import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { expandParameters } from '../engine/parameters.js';
import type { RunOutcome } from '../engine/run-flow.js';
import { emptyUsage } from '../protocol/usage.js';
import { FlowrunError } from '../protocol/errors.js';
import type { PromptTemplate, RunRequest } from '../protocol/shuttle.js';
import type { TenantScope } from '../protocol/tenant.js';
import { type StoredFlow } from '../store/flows-repository.js';
import type { AppDeps } from './app-deps.js';
import { cachedRunDocument, failedRunResponse, runDocument, type DocumentOutcome } from './wire/shuttle.js';

/** Vendor tools Flowrun passes to providers: none yet, so each one asked for is a warning. */
const supportedVendorTools = new Set<string>();

export interface ShuttleRunContext {
  scope: TenantScope;
  flowIdOrSlug: string;
  body: RunRequest;
  rawBody: unknown;
  customerId: string | undefined;
  debugUrl: string | undefined;
  /** The id the run gets (chosen before it starts, so an Idempotency-Key can point at it). */
  executionId: string;
}

/** Picks the version: `version` beats `environment`; else production's active version; else the current one. */
export async function resolveRunVersion(
  deps: Pick<AppDeps, 'runs'>,
  scope: TenantScope,
  flowIdOrSlug: string,
  version?: string,
  environment?: string,
): Promise<StoredFlow> {
  const paths = { flow: 'flowId', version: 'version', environment: 'environment' };
  return deps.runs.resolveFlowVersion(scope, flowIdOrSlug, { versionId: version, environment }, paths);
}

export function entrypointOf(flow: StoredFlow, requested?: string): { templates: PromptTemplate[]; entry: PromptTemplate } {
  const templates = (flow.definition.templates ?? []) as PromptTemplate[];
  if (templates.length === 0)
    throw new FlowrunError('VALIDATION_ERROR', `Flow ${flow.id} has no templates; run it with POST /v1/dispatch`, [
      { code: 'INVALID_VALUE', path: 'flowId', message: 'the flow has no templates' },
    ]);
  const name = requested ?? flow.definition.entrypoint ?? 'main';
  const entry = templates.find((template) => template.name === name) ?? (requested ? undefined : templates[0]);
  if (!entry)
    throw new FlowrunError('NOT_FOUND', `Flow ${flow.id} has no template '${name}'`, [
      { code: 'NOT_FOUND', path: 'entrypoint', message: `no template '${name}'` },
    ]);
  return { templates, entry };
}

/**
 * PromptShuttle's run: version → entrypoint → `[[param]]` expansion → model (override, alias routing, template
 * llm + fallbacks) → response cache → credits → the tool loop → the seed's response document.
 */
export async function runShuttleFlow(
  deps: AppDeps,
  request: FastifyRequest,
  run: ShuttleRunContext,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const started = deps.clock.now();
  const { scope, body } = run;
  const flow = await resolveRunVersion(deps, scope, run.flowIdOrSlug, body.version, body.environment);
  const { templates, entry } = entrypointOf(flow, body.entrypoint);
  const warnings: string[] = [];
  const { system, user } = expandEntry(body, templates, entry, warnings);
  const usable = await chooseModels(deps, scope, body, entry, warnings);
  const plan = planStep(body, templates, entry, usable, system.text, user.text);
  const meta = {
    environment: body.environment ?? null,
    entrypoint: entry.name,
    versionId: flow.versionId,
    debugUrl: run.debugUrl ?? null,
    logLevel: body.logLevel ?? null,
  };
  const cacheKey = cacheKeyOf(scope, flow, entry, body, usable);
  const timestamp = new Date(started).toISOString();
  const cached = (await deps.store.getCachedResponse(cacheKey, started)) as Record<string, any> | null;
  if (cached) return { status: 200, body: await answerFromCache(deps, run, flow, cached, { meta, warnings, started, timestamp }) };

  const { job } = await deps.runs.prepare({
    executionId: run.executionId,
    scope,
    flow: { kind: 'steps', flow: { id: flow.id, name: flow.name, versionId: flow.versionId }, rawSteps: [plan.rawStep] },
    // The entrypoint runs as one prompt step: `templates.main[0].config.tools.toolIds` is `templates.main.toolIds`.
    validation: {
      at: ['templates', entry.name],
      conversation: false,
      asWritten: (path) => path.replace(/^(templates\.[^[]+)\[0\]\.config(\.tools)?/, '$1'),
    },
    record: { id: null, name: flow.name, type: 'shuttle-run', metadata: body.parameters, created: false },
    inputs: body.parameters,
    secrets: {},
    messages: body.messages,
    source: 'shuttle',
    storedInput: run.rawBody,
    dialect: 'shuttle',
    customerId: run.customerId ?? null,
    tags: body.tags,
    // What the run's document needs besides its outcome, so a run finished by recovery can still answer.
    meta: { ...meta, cached: false, warnings, structured: plan.structured },
    credits: {
      promptChars: system.text.length + user.text.length + JSON.stringify(body.messages).length,
      maxRequestCostCredits: body.maxRequestCostCredits,
    },
  });
  const outcome: RunOutcome = await deps.scheduler.submit(job);
  const document = runDocument({ executionId: run.executionId, tenantId: scope.tenantId, rawBody: run.rawBody, flowId: flow.id }, outcome, {
    warnings,
    timestamp,
    milliseconds: deps.clock.now() - started,
    structured: plan.structured,
    creditsLeft: outcome.credits?.left ?? (await deps.store.getBalance(scope)),
  });
  await deps.store.setExecutionMeta(run.executionId, { ...meta, cached: false, warnings, response: document });
  if (outcome.status !== 'completed') return failedRunResponse(outcome, document);
  await deps.store.putCachedResponse(cacheKey, document, deps.clock.now() + deps.settings.cacheTtlMs);
  request.log.debug({ executionId: run.executionId, flowId: flow.id }, 'shuttle run completed');
  return { status: 200, body: document };
}

type RunBody = ShuttleRunContext['body'];

/** The entrypoint's system and user templates with `[[param]]`s expanded; what stays unresolved or unused is a warning. */
function expandEntry(body: RunBody, templates: PromptTemplate[], entry: PromptTemplate, warnings: string[]) {
  const system = expandParameters(entry.template ?? '', body.parameters, templates, [entry.name]);
  const user = expandParameters(entry.userTemplate ?? '', body.parameters, templates, [entry.name]);
  for (const token of [...new Set([...system.unresolved, ...user.unresolved])])
    warnings.push(`Unresolved parameter [[${token}]]: no parameter or template has that name; it was sent as written`);
  const used = new Set([...system.usedParameters, ...user.usedParameters]);
  for (const name of Object.keys(body.parameters))
    if (!used.has(name)) warnings.push(`Parameter '${name}' was supplied but no template of the entrypoint uses it`);
  return { system, user };
}

/** The models to try, in order: the override or the template's llm (through aliases), then its fallbacks; unusable fallbacks are warned. */
async function chooseModels(
  deps: AppDeps,
  scope: TenantScope,
  body: RunBody,
  entry: PromptTemplate,
  warnings: string[],
): Promise<string[]> {
  const requestedModel = body.overrideModel ?? entry.llm;
  if (!requestedModel)
    throw new FlowrunError('VALIDATION_ERROR', `Template '${entry.name}' has no llm; send overrideModel`, [
      { code: 'MISSING_REQUIRED_FIELD', path: 'overrideModel', message: 'no model: the template has no llm' },
    ]);
  const aliased = await deps.store.resolveAlias(scope, requestedModel);
  const candidates = [...new Set([...(aliased ?? [requestedModel]), ...(body.overrideModel ? [] : (entry.fallbacks ?? []))])];
  const usable = candidates.filter((model, index) => {
    const resolution = deps.models.resolve(model);
    if (!resolution.ok && index > 0) warnings.push(`Fallback model '${model}' was skipped: ${resolution.reason}`);
    return resolution.ok;
  });
  if (usable.length === 0) {
    const reason = deps.models.resolve(candidates[0]!);
    throw new FlowrunError('VALIDATION_ERROR', reason.ok ? 'No usable model' : reason.reason, [
      {
        code: reason.ok ? 'UNKNOWN_MODEL' : reason.code,
        path: body.overrideModel ? 'overrideModel' : `templates.${entry.name}.llm`,
        message: reason.ok ? 'no usable model' : reason.reason,
      },
    ]);
  }
  const resolved = deps.models.resolve(usable[0]!);
  for (const tool of body.vendorTools)
    if (!supportedVendorTools.has(tool))
      warnings.push(`Vendor tool '${tool}' is not supported for ${resolved.ok ? resolved.provider : 'this provider'}; it was ignored`);
  return usable;
}

/** The template's `agentTools` as sub-agent tools: each runs that template as a child agent. */
function agentToolsOf(body: RunBody, templates: PromptTemplate[], entry: PromptTemplate, model: string) {
  return (entry.agentTools ?? []).map((name) => {
    const template = templates.find((candidate) => candidate.name === name);
    if (!template)
      throw new FlowrunError('VALIDATION_ERROR', `Template '${entry.name}' names agent tool '${name}', which is not a template`, [
        { code: 'INVALID_VALUE', path: `templates.${entry.name}.agentTools`, message: `no template '${name}'` },
      ]);
    return {
      name,
      description: template.description ?? `Agent '${name}'`,
      toolType: 'subagent' as const,
      parametersSchema: {
        type: 'object',
        properties: { message: { type: 'string', description: 'The task for the agent' } },
        required: ['message'],
      },
      config: {
        agent: {
          id: `template:${name}`,
          name,
          model: template.llm ?? model,
          systemPrompt: expandParameters(template.template ?? '', body.parameters, templates, [name]).text,
          tools: { toolIds: template.toolIds ?? [] },
        },
      },
    };
  });
}

/** The one prompt step a PromptShuttle run is, with the request's overrides, and how many model calls it may make. */
function planStep(body: RunBody, templates: PromptTemplate[], entry: PromptTemplate, usable: string[], system: string, user: string) {
  const responseSchema = body.responseSchema ?? entry.responseSchema;
  const maxToolCalls = body.maxToolCalls ?? entry.maxToolCalls ?? 10;
  const agentTools = agentToolsOf(body, templates, entry, usable[0]!);
  const userMessage = user.trim() ? [{ role: 'user' as const, content: user }] : [];
  if (userMessage.length === 0 && body.messages.length === 0) {
    throw new FlowrunError('VALIDATION_ERROR', `Template '${entry.name}' has no userTemplate and the request has no messages`, [
      { code: 'MISSING_REQUIRED_FIELD', path: 'messages', message: 'nothing to send as the user turn' },
    ]);
  }
  const hasTools = Boolean(entry.toolIds?.length || agentTools.length);
  const maxTokens = body.maxTokens ?? entry.maxTokens;
  const config = {
    model: usable[0],
    fallbackModels: usable.slice(1),
    systemPrompt: system || undefined,
    messages: [...userMessage, ...body.messages],
    temperature: body.temperature ?? entry.temperature,
    maxTokens,
    ...(body.maxThinkingTokens ? { reasoning: { enabled: true, budgetTokens: body.maxThinkingTokens } } : {}),
    ...(responseSchema ? { responseSchema } : {}),
    rawPrompts: true,
    streamOutput: false,
    outputVariable: 'response',
    tools: hasTools ? { toolIds: entry.toolIds ?? [], runtimeTools: agentTools, maxToolCalls, parallelCalls: true } : undefined,
  };
  return {
    rawStep: { id: entry.name, name: entry.name, type: 'prompt', config },
    maxTokens,
    structured: Boolean(responseSchema),
  };
}

/** The response cache key: everything that changes the answer, `nonce` included. */
function cacheKeyOf(scope: TenantScope, flow: StoredFlow, entry: PromptTemplate, body: RunBody, usable: string[]): string {
  const overrides = {
    t: body.temperature,
    m: body.maxTokens,
    th: body.maxThinkingTokens,
    tc: body.maxToolCalls,
    s: body.responseSchema,
    v: body.vendorTools,
  };
  const key = {
    tenant: scope.tenantId,
    mode: scope.mode,
    flow: flow.id,
    version: flow.versionId,
    entry: entry.name,
    parameters: body.parameters,
    messages: body.messages,
    models: usable,
    overrides,
    nonce: body.nonce ?? null,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

interface RunTiming {
  meta?: Record<string, unknown>;
  warnings: string[];
  started: number;
  timestamp: string;
}

/** A cache hit is a run of its own (new id, in the run log) that costs nothing and answers at once. */
async function answerFromCache(
  deps: AppDeps,
  run: ShuttleRunContext,
  flow: StoredFlow,
  cached: Record<string, any>,
  timing: RunTiming & { meta: Record<string, unknown> },
) {
  const { scope } = run;
  await deps.store.insertExecution({
    id: run.executionId,
    scope,
    flowId: flow.id,
    flowVersionId: flow.versionId,
    flowName: flow.name,
    recordId: null,
    dialect: 'shuttle',
    input: run.rawBody,
    totalSteps: 1,
    createdAt: timing.timestamp,
    customerId: run.customerId ?? null,
    tags: run.body.tags,
    meta: { ...timing.meta, cached: true },
  });
  const creditsLeft = await deps.store.getBalance(scope);
  const response = cachedRunDocument(cached, {
    executionId: run.executionId,
    rawBody: run.rawBody,
    timestamp: timing.timestamp,
    milliseconds: deps.clock.now() - timing.started,
    warnings: timing.warnings,
    creditsLeft,
  });
  await deps.store.completeWithoutCost(run.executionId, timing.timestamp, response.milliseconds);
  await deps.store.setExecutionMeta(run.executionId, { ...timing.meta, cached: true, warnings: timing.warnings, response });
  return response;
}

/** The answer to a repeated request (same Idempotency-Key): the first request's, or the run's as the store has it. */
export async function priorRunResponse(
  deps: AppDeps,
  scope: TenantScope,
  executionId: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = ((await deps.store.getExecutionMeta(executionId)) as { response?: Record<string, unknown> } | null)?.response;
  if (response) return { status: 200, body: response };
  // The first request's server died before it answered; recovery finished the run without it.
  return storedRunResponse(deps, scope, executionId);
}

/**
 * The answer to a repeated request (same Idempotency-Key) for a run whose first request never got one: the
 * server died under it and recovery finished the run. Built from what the run stored, as the live path builds it.
 */
async function storedRunResponse(
  deps: AppDeps,
  scope: TenantScope,
  executionId: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const execution = await deps.store.getExecution(scope, executionId);
  if (!execution) throw new FlowrunError('NOT_FOUND', `Run ${executionId} not found`);
  const meta = ((await deps.store.getExecutionMeta(executionId)) ?? {}) as { warnings?: string[]; structured?: boolean };
  const credits = { used: execution.creditsUsed, left: await deps.store.getBalance(scope) };
  const outcome: DocumentOutcome = {
    status: execution.status as RunOutcome['status'],
    usage: execution.usage ?? emptyUsage(),
    credits,
    finalOutput: execution.finalOutput,
    error: execution.error as RunOutcome['error'],
    steps: await deps.store.getStepCalls(executionId),
  };
  const run = { executionId, tenantId: scope.tenantId, rawBody: execution.input, flowId: execution.flowId ?? '' };
  const document = runDocument(run, outcome, {
    warnings: meta.warnings ?? [],
    timestamp: execution.startedAt ?? execution.createdAt,
    milliseconds: execution.durationMs ?? 0,
    structured: meta.structured === true,
    creditsLeft: credits.left,
  });
  return outcome.status === 'completed' ? { status: 200, body: document } : failedRunResponse(outcome, document);
}
