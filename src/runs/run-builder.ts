import type { ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import type { RunOutcome } from '../engine/run-flow.js';
import { FlowrunError, type ErrorCode } from '../protocol/errors.js';
import type { ResumeState, RunFlowRequest } from '../engine/run-context.js';
import { countSteps } from '../engine/validate-flow.js';
import type { ChatMessage, FlowDefinition } from '../protocol/flow.js';
import type { RecordData } from '../protocol/record.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from '../store/database.js';
import { insertExecution, type NewExecution } from '../store/executions-repository.js';
import { reserveCredits } from '../store/credits-repository.js';
import { inSharedTransaction } from '../store/commit-batcher.js';
import type { CreditMeter } from './credit-meter.js';
import type { RunJob } from './execute-run.js';
import type { SecretVault } from '../queue/secret-vault.js';
import type { LeaseKeeper } from './leases.js';
import { admissionKeys, admitInFlight } from './limits.js';

/**
 * A run to start or continue: everything its row stores and its job needs. Every way a run begins (dispatch,
 * agents, PromptShuttle runs, flow tools, sub-agents) and every way one continues (resume, approval, recovery)
 * goes through `startRun` / `jobOf`, so the row and the job cannot disagree.
 */
export interface RunSpec {
  executionId: string;
  scope: TenantScope;
  flow: FlowDefinition;
  /** The raw steps, kept on the row and validated again when the run is continued in another process. */
  rawSteps: unknown[];
  record: RecordData;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  messages: ChatMessage[];
  options?: RunFlowRequest['options'];
  /** Shown in flow_start's executionContext: `standalone`, `api`, `agent`, `shuttle`, `tool`, `subagent`, `resumed`. */
  source: string;
  tools: Record<string, ResolvedTool>;
  clientTools?: ResolvedTool[];
  kind?: 'flow' | 'agent';
  agent?: NewExecution['agent'];
  /** The request as the row keeps it: never secrets. */
  storedInput: unknown;
  dialect: string;
  /** Set for a run a tool of another run started: the parent's call, and the parent's credit meter. */
  parent?: { executionId: string; toolCallId: string; depth: number; meter?: CreditMeter };
  creditsReserved?: number;
  customerId?: string | null;
  tags?: string[];
  meta?: Record<string, unknown>;
  persistRecordMetadata?: boolean;
}

/** Stores the run's row (status `queued`) and returns the job that runs it. */
export async function startRun(
  deps: { db: Database; clock: { now(): number }; vault?: SecretVault; leases: LeaseKeeper },
  spec: RunSpec,
): Promise<RunJob> {
  const now = deps.clock.now();
  const reserved = spec.creditsReserved ?? 0;
  // The credits are taken, the key's and the tenant's runs in flight counted and the run created in one
  // transaction: a crash leaves all or nothing, and two requests never both take the last place. A child run is
  // part of its root run and is not counted. The transaction is shared with the other commits of this turn of the
  // event loop (other runs' starts, checkpoints and ends).
  await inSharedTransaction(
    deps.db,
    async (trx) => {
      if (!spec.parent) await admitInFlight(trx, spec.scope);
      if (reserved > 0 && !(await reserveCredits(trx, spec.scope, reserved))) throw creditsNotCovered(reserved);
      await insertRun(trx, deps, spec, now);
    },
    spec.parent ? [] : admissionKeys(spec.scope),
  );
  return jobOf(spec, now);
}

/** The refusal of a run whose worst case the balance cannot cover (402). */
export function creditsNotCovered(amount: number): FlowrunError {
  return new FlowrunError(
    'COST_LIMIT_EXCEEDED',
    `Not enough credits: this run may cost up to ${amount} credits; top up with the CLI's \`credits add\` (in a clone: \`node dist/cli/index.js credits add\`)`,
    [{ code: 'COST_LIMIT_EXCEEDED', message: `the credit balance does not cover the run's worst case (${amount} credits)` }],
  );
}

async function insertRun(db: Database, deps: { vault?: SecretVault; leases: LeaseKeeper }, spec: RunSpec, now: number): Promise<void> {
  await insertExecution(db, {
    id: spec.executionId,
    scope: spec.scope,
    flowId: spec.flow.id,
    flowVersionId: spec.flow.versionId ?? null,
    flowName: spec.flow.name,
    recordId: spec.record.id,
    dialect: spec.dialect,
    input: spec.storedInput,
    totalSteps: countSteps(spec.flow.steps),
    createdAt: new Date(now).toISOString(),
    snapshot: { name: spec.flow.name, steps: spec.rawSteps },
    secretsSealed: deps.vault?.seal(spec.secrets) ?? null,
    apiKeyId: spec.parent ? null : (spec.scope.keyId ?? null),
    // Leased from the start: a sibling process never takes a run that is queued here.
    lease: deps.leases.lease(),
    ...(spec.parent ? { parent: { executionId: spec.parent.executionId, toolCallId: spec.parent.toolCallId } } : {}),
    ...(spec.agent ? { agent: spec.agent } : {}),
    ...(spec.creditsReserved !== undefined ? { creditsReserved: spec.creditsReserved } : {}),
    ...(spec.customerId !== undefined ? { customerId: spec.customerId } : {}),
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(spec.meta ? { meta: spec.meta } : {}),
  });
}

/** The job of a run whose row exists; `continuation` continues it from a pause or a crash. */
export function jobOf(spec: RunSpec, startedAt: number, continuation?: { resume: ResumeState; lastSeq: number }): RunJob {
  return {
    scope: spec.scope,
    persistRecordMetadata: spec.persistRecordMetadata ?? false,
    ...(spec.parent?.meter ? { parentMeter: spec.parent.meter } : {}),
    ...(continuation ? { lastSeq: continuation.lastSeq } : { credits: { reserved: spec.creditsReserved ?? 0, used: 0 } }),
    request: {
      executionId: spec.executionId,
      flow: spec.flow,
      record: spec.record,
      inputs: spec.inputs,
      secrets: spec.secrets,
      messages: spec.messages,
      options: spec.options ?? {},
      source: spec.source,
      startedAt,
      tools: spec.tools,
      clientTools: spec.clientTools ?? [],
      depth: spec.parent ? spec.parent.depth + 1 : 0,
      scope: spec.scope,
      ...(spec.kind ? { kind: spec.kind } : {}),
      ...(continuation ? { resume: continuation.resume } : {}),
    },
  };
}

/** A request's `clientTools` as tools the client runs: the run pauses when the model calls one. */
export function clientToolsOf(
  clientTools:
    | Array<{ name: string; description?: string; parametersSchema?: Record<string, unknown>; origin?: string; pageOrigin?: string }>
    | undefined,
): ResolvedTool[] {
  return (clientTools ?? []).map((tool) => ({
    id: tool.name,
    name: tool.name,
    description: tool.description ?? '',
    toolType: 'local' as const,
    parametersSchema: tool.parametersSchema ?? { type: 'object' },
    config: { origin: tool.origin, pageOrigin: tool.pageOrigin },
  }));
}

/** The parent side of a run a tool of another run starts: its call, its depth, and the parent's credit meter. */
export function parentOf(context: ToolCallContext, meters: Map<string, CreditMeter>): NonNullable<RunSpec['parent']> {
  return { executionId: context.executionId, toolCallId: context.toolCallId, depth: context.depth, meter: meters.get(context.executionId) };
}

/** A child run's outcome as its parent's tool result: the final output, or the child's error. */
export function childToolOutcome(outcome: RunOutcome, what: string, fallbackCode: ErrorCode, executionId: string): ToolOutcome {
  if (outcome.status !== 'completed')
    return {
      ok: false,
      error: { code: outcome.error?.code ?? fallbackCode, message: `${what} ${outcome.status}: ${outcome.error?.message ?? ''}` },
    };
  return { ok: true, result: outcome.finalOutput, costUsd: outcome.usage.costUsd, childExecutionId: executionId };
}
