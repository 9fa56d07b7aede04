import type { Clock, Ids, ModelGateway, ResolvedTool } from '../engine/ports.js';
import { walkSteps } from '../engine/steps/registry.js';
import { savedToolReferences, validateFlowSteps } from '../engine/validate-flow.js';
import { worstCaseCredits } from '../protocol/credits.js';
import { FlowrunError } from '../protocol/errors.js';
import { mediaPartTypes, type ChatMessage, type FlowDefinition, type Step } from '../protocol/flow.js';
import type { RecordData } from '../protocol/record.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { PathSegment } from '../protocol/zod-details.js';
import type { ResumeState } from '../engine/run-context.js';
import type { RunJob } from './execute-run.js';
import type { LeaseKeeper } from './leases.js';
import { jobOf, startRun, type RunSpec } from './run-builder.js';
import type { SecretVault } from '../queue/secret-vault.js';
import type { Database } from '../store/database.js';
import type { StoredFlowDefinition } from '../store/flows-repository.js';
import { ensureBalance } from '../store/credits-repository.js';
import { findTools } from '../store/tools-repository.js';
import { findSealedSecrets } from '../store/secrets-repository.js';
import { managedSecretKey, managedSecretName, managedSecretReferences } from '../protocol/secrets.js';
import { resolveFlowVersion, type VersionPaths } from './flow-version.js';

/**
 * What admitting a run needs: the database, the catalog, what starts runs, and (for a run no other run started)
 * the credits a tenant starts with. The API's deps and the workers' deps both fit.
 */
export interface AdmissionDeps {
  db: Database;
  models: ModelGateway;
  ids: Ids;
  clock: Clock;
  vault?: SecretVault;
  leases: LeaseKeeper;
  settings?: { initialCredits: number };
}

/** What a run executes, before it is resolved: a stored flow (a version, or what an environment runs) or steps. */
export type FlowSource =
  | { kind: 'stored'; flowId: string; versionId?: string; environment?: string; paths: VersionPaths }
  /** A definition resolved already (inline, just stored, an agent, a template): its steps not yet validated. */
  | { kind: 'steps'; flow: Omit<FlowDefinition, 'steps'>; rawSteps: unknown[] };

/**
 * A run to admit, in every entry point's terms: what runs (`flow`), where its steps are written (`validation`),
 * and what the run's row and job carry. Each entry point translates its own wire format into one of these.
 */
export interface AdmissionRequest extends Omit<RunSpec, 'flow' | 'rawSteps' | 'tools' | 'creditsReserved' | 'record'> {
  flow: FlowSource;
  validation: {
    /** Where the steps are in the request (`['flow', 'steps']`, `['agent']`): the base of every error's path. */
    at: PathSegment[];
    /** The request carries a conversation: a prompt step without a prompt of its own reads it. */
    conversation?: boolean;
    /** Rewrites an error's path to where the caller wrote the field (an agent's `agent[0].config` is `agent`). */
    asWritten?: (path: string) => string;
  };
  /** The run's record; a function when finding or creating it must wait until every check has passed. */
  record: RecordData | (() => Promise<RecordData>);
  /**
   * A run continued from its row (a resume, a decided approval, recovery): admitted again — its steps validated
   * and its tools resolved as they are now — into a job that continues after `lastSeq`, without a new row or
   * reservation (the row holds both). `startedAt` is when the run first started (its row's): a run's
   * `durationMs` is its wall time from that start to its end, pauses and interruptions included.
   */
  continuation?: { resume: ResumeState; lastSeq: number; startedAt?: number };
  credits: {
    /** The characters the prompts may carry (the request's size is a bound): the input side of the worst case. */
    promptChars: number;
    /** The caller's ceiling (402 COST_LIMIT_EXCEEDED when the worst case is above it). */
    maxRequestCostCredits?: number;
    /** Where the ceiling was written, for the error's path. */
    path?: string;
  };
}

export interface AdmittedRun {
  job: RunJob;
  flow: FlowDefinition;
  rawSteps: unknown[];
}

/**
 * The one admission pipeline: every way a run begins (dispatch of a flow or an agent, PromptShuttle runs, agent
 * execute, flow tools, sub-agents) goes through it, once and in this order: resolve the flow's version or
 * environment, validate its steps, resolve the saved tools they name, check the conversation's media against
 * the models, compute the worst-case credits, and start the run (its row and its reservation in one
 * transaction). Every check that can refuse the request runs before the run is written.
 */
export async function prepareRun(deps: AdmissionDeps, request: AdmissionRequest): Promise<AdmittedRun> {
  const { flow: meta, rawSteps } = await resolveSource(deps, request.scope, request.flow);
  const modelOverride = request.options?.modelOverride;
  const { steps, tools } = await asWritten(request.validation.asWritten, async () => {
    const validated = validateFlowSteps(rawSteps, request.validation.at, {
      models: deps.models,
      modelOverride,
      conversation: request.validation.conversation ?? request.messages.length > 0,
    });
    // A continued run keeps going with the tools that are still there (one deleted since fails when called).
    const saved = await resolveSavedTools(deps.db, request.scope, validated, { lenient: request.continuation !== undefined });
    checkMediaInput(validated, request.messages, deps.models, modelOverride);
    return { steps: validated, tools: saved };
  });
  const flow: FlowDefinition = { ...meta, steps };
  const { flow: _source, validation: _validation, credits: _credits, record: _record, continuation, ...given } = request;
  const spec = { ...given, secrets: await withManagedSecrets(deps, request.scope, given.secrets, [rawSteps, tools]) };
  if (continuation) {
    const record = typeof request.record === 'function' ? await request.record() : request.record;
    const startedAt = continuation.startedAt ?? deps.clock.now();
    return { job: jobOf({ ...spec, flow, rawSteps, record, tools }, startedAt, continuation), flow, rawSteps };
  }
  // A child run (a flow tool, a sub-agent) spends from its root run's reservation, through the root's meter.
  const reserved = request.parent
    ? undefined
    : await reserveForRun(
        deps,
        request.scope,
        estimateCredits(steps, deps.models, request.credits.promptChars, modelOverride),
        request.credits,
      );
  const record = typeof request.record === 'function' ? await request.record() : request.record;
  const job = await startRun(deps, { ...spec, flow, rawSteps, record, tools, creditsReserved: reserved });
  return { job, flow, rawSteps };
}

/**
 * The managed secrets (`{{secret:KEY}}`) the flow and its saved tools name, opened: once, at admission, into the
 * run's secrets (sealed on its row, redacted from all it stores and streams). A key the tenant has not, or whose
 * secret is pending or revoked, is left out: the step that uses it fails with SECRET_NOT_FOUND naming it.
 */
async function loadManagedSecrets(
  deps: Pick<AdmissionDeps, 'db' | 'vault'>,
  scope: TenantScope,
  sources: unknown[],
): Promise<Record<string, string>> {
  const keys = managedSecretReferences(JSON.stringify(sources));
  if (keys.length === 0 || !deps.vault?.enabled) return {};
  const loaded: Record<string, string> = {};
  for (const secret of await findSealedSecrets(deps.db, scope, keys)) {
    if (secret.status !== 'active' || !secret.valueSealed) continue;
    const value = openSecret(deps.vault, secret.key, secret.valueSealed);
    if (typeof value === 'string') loaded[managedSecretName(secret.key)] = value;
  }
  return loaded;
}

/** A managed secret's value; a 409 naming the key when no configured FLOWRUN_SECRET_KEY opens it (a key was dropped). */
function openSecret(vault: SecretVault, key: string, sealed: string): string | undefined {
  try {
    return vault.open(sealed).value;
  } catch {
    throw new FlowrunError(
      'SECRET_KEY_NOT_CONFIGURED',
      `Secret '${key}' was sealed with a key FLOWRUN_SECRET_KEY no longer lists: list that key again (after the new one), or set the secret's value again`,
    );
  }
}

/**
 * A run's secrets: those the request sent (without any `secret:KEY` of its own) and the managed secrets `sources`
 * (steps, tools) name, opened. Throws when a stored secret cannot be opened with the configured keys.
 */
export async function withManagedSecrets(
  deps: Pick<AdmissionDeps, 'db' | 'vault'>,
  scope: TenantScope,
  sent: Record<string, string>,
  sources: unknown[],
): Promise<Record<string, string>> {
  return { ...dispatchScoped(sent), ...(await loadManagedSecrets(deps, scope, sources)) };
}

/**
 * The secrets a request sent itself, without managed ones: a managed secret is what the tenant's store holds now
 * (a continued run sees a rotation or revocation since), never a `secret:KEY` a caller put in `secrets`.
 */
function dispatchScoped(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).filter(([name]) => managedSecretKey(name) === null));
}

async function resolveSource(
  deps: Pick<AdmissionDeps, 'db'>,
  scope: TenantScope,
  source: FlowSource,
): Promise<{ flow: Omit<FlowDefinition, 'steps'>; rawSteps: unknown[] }> {
  if (source.kind === 'steps') return { flow: source.flow, rawSteps: source.rawSteps };
  const stored = await resolveFlowVersion(deps.db, scope, source.flowId, source, source.paths);
  return {
    flow: { id: stored.id, name: stored.name, description: stored.description ?? undefined, versionId: stored.versionId },
    rawSteps: stepsOf(stored.definition) ?? [],
  };
}

/** Errors found in the steps, reported where the caller wrote them. */
async function asWritten<T>(rename: ((path: string) => string) | undefined, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!rename || !FlowrunError.isInstance(error) || !error.details) throw error;
    for (const detail of error.details) if (detail.path) detail.path = rename(detail.path);
    throw error;
  }
}

/**
 * The worst case of a flow's prompt steps: each may call its model once, plus once per tool call it allows, and
 * all of it twice when a reply must match a `responseSchema` (a mismatch is asked again once).
 */
export function estimateCredits(steps: Step[], models: Pick<ModelGateway, 'resolve'>, promptChars: number, modelOverride?: string): number {
  let total = 0;
  walkSteps(steps, (step) => {
    if (step.type !== 'prompt') return;
    const resolution = models.resolve(modelOverride ?? step.config.model ?? '');
    const calls = (1 + (step.config.tools ? step.config.tools.maxToolCalls : 0)) * (step.config.responseSchema ? 2 : 1);
    total += worstCaseCredits(resolution.ok ? resolution.price : undefined, promptChars, step.config.maxTokens, calls);
  });
  return Math.max(1, total);
}

const ensured = new WeakMap<object, Set<string>>();

/**
 * Before a run calls any model: refuse it (402 COST_LIMIT_EXCEEDED) when its worst case exceeds the caller's
 * `maxRequestCostCredits`; else say how much to reserve. The reservation itself is taken by `startRun`, with one
 * conditional update in the transaction that creates the run (a 402 when the balance cannot cover it), so
 * concurrent runs can never overdraw and a crash can never take credits that no run holds.
 */
async function reserveForRun(
  deps: Pick<AdmissionDeps, 'db' | 'ids' | 'clock' | 'settings'>,
  scope: TenantScope,
  worstCase: number,
  credits: AdmissionRequest['credits'],
): Promise<number> {
  const ceiling = credits.maxRequestCostCredits;
  if (ceiling !== undefined && worstCase > ceiling) {
    const path = credits.path ?? 'maxRequestCostCredits';
    throw new FlowrunError(
      'COST_LIMIT_EXCEEDED',
      `This run may cost up to ${worstCase} credits, more than maxRequestCostCredits (${ceiling})`,
      [{ code: 'COST_LIMIT_EXCEEDED', path, message: `worst case ${worstCase} credits > ${ceiling}` }],
    );
  }
  // The balance row is created (with the initial grant) once; afterwards this is no extra write per run.
  const known = ensured.get(deps.db) ?? new Set<string>();
  ensured.set(deps.db, known);
  const scopeKey = `${scope.tenantId}\u0000${scope.mode}`;
  if (!known.has(scopeKey)) {
    if (!deps.settings) throw new Error('a run no other run started is admitted with settings.initialCredits');
    await ensureBalance(deps.db, scope, deps.settings.initialCredits, deps.ids.next('ledger'), new Date(deps.clock.now()).toISOString());
    known.add(scopeKey);
  }
  return Math.max(1, worstCase);
}

/**
 * Images and files in the conversation reach every prompt step that reads it (an agent; a step without a prompt of
 * its own; `previousMessages: "{{messages}}"`); a model the catalog says takes text only is refused up front.
 */
export function checkMediaInput(
  steps: Step[],
  messages: ChatMessage[] | undefined,
  models: Pick<ModelGateway, 'resolve'>,
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
export async function resolveSavedTools(
  db: Database,
  scope: TenantScope,
  steps: Step[],
  options: { lenient?: boolean } = {},
): Promise<Record<string, ResolvedTool>> {
  const wanted = savedToolReferences(steps);
  if (wanted.length === 0) return {};
  const found = await findTools(db, scope, [...new Set(wanted.map((entry) => entry.id))]);
  const missing = wanted.filter((entry) => !found[entry.id]);
  if (missing.length > 0 && !options.lenient) {
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
