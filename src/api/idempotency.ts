import type { FastifyReply, FastifyRequest } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import { totalTokens } from '../protocol/usage.js';
import { type ExecutionView } from '../store/executions-repository.js';
import type { AppDeps } from './app-deps.js';
import { headerValue } from './headers.js';
import { claimGraceMs } from '../store/idempotency-repository.js';

export const idempotencyWindowMs = 24 * 60 * 60 * 1000;

/** The request's `Idempotency-Key`, checked (1–255 visible characters). */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = headerValue(request.headers['idempotency-key']);
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new FlowrunError('VALIDATION_ERROR', 'Idempotency-Key must be 1-255 visible ASCII characters', [
      { code: 'INVALID_VALUE', path: 'headers.idempotency-key', message: 'invalid Idempotency-Key' },
    ]);
  }
  return key;
}

export interface KeyClaim {
  key: string;
  /** The execution the key is bound to: this request's new one, or the first request's. */
  executionId: string;
  /** True when another request holds the key: this one answers with that run. */
  prior: boolean;
}

/**
 * Claims the request's `Idempotency-Key` for a new execution id before anything is created, so that of two first
 * requests with one key exactly one runs. A holder whose request was refused gives the key back; a second request
 * waiting on it then claims it for itself.
 */
export async function claimKey(deps: AppDeps, request: FastifyRequest, key: string | undefined): Promise<KeyClaim | null> {
  if (!key) return null;
  const deadline = deps.clock.now() + 3 * claimGraceMs;
  for (;;) {
    const mine = deps.ids.next('exec');
    const holder = await deps.store.claimIdempotencyKey(request.scope, key, mine, deps.clock.now(), idempotencyWindowMs);
    if (holder === mine) return { key, executionId: mine, prior: false };
    // The holder's run may still be being created: wait until it exists, or the key is given back, or (its server
    // died before creating it) the claim is abandoned and the next attempt takes it over.
    const retryClaimAt = deps.clock.now() + claimGraceMs / 5;
    for (;;) {
      if (await deps.store.getExecution(request.scope, holder)) return { key, executionId: holder, prior: true };
      const still = await deps.store.findIdempotentExecution(request.scope, key, deps.clock.now(), idempotencyWindowMs);
      if (still !== holder || deps.clock.now() > retryClaimAt) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (deps.clock.now() > deadline)
      throw new FlowrunError('CONFLICT', 'A request with this Idempotency-Key is still being prepared; retry shortly');
  }
}

/** Runs `create` under a fresh claim, giving the key back if the request is refused before its run exists. */
export async function underClaim<T>(
  deps: AppDeps,
  request: FastifyRequest,
  claim: KeyClaim | null,
  create: (executionId?: string) => Promise<T>,
): Promise<T> {
  try {
    return await create(claim?.executionId);
  } catch (error) {
    if (claim) await deps.store.releaseIdempotencyKey(request.scope, claim.key, claim.executionId);
    throw error;
  }
}

/** Waits for an execution to leave queued/running (a repeated request whose first run is still going). */
export async function settled(deps: AppDeps, request: FastifyRequest, executionId: string): Promise<ExecutionView> {
  for (;;) {
    const execution = await deps.store.getExecution(request.scope, executionId, true);
    if (!execution) throw new FlowrunError('NOT_FOUND', `Execution ${executionId} not found`);
    if (!['queued', 'running'].includes(execution.status)) return execution;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The non-streaming dispatch document, rebuilt from a stored execution. */
export function storedDispatchResult(execution: ExecutionView): Record<string, unknown> {
  const usage = execution.usage ?? { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0 };
  return {
    success: execution.status === 'completed',
    status: execution.status,
    executionId: execution.id,
    execution_id: execution.id,
    flowId: execution.flowId,
    flowVersionId: execution.flowVersionId,
    flowName: execution.flowName,
    recordId: execution.recordId,
    finalOutput: execution.finalOutput,
    output: execution.output,
    steps: (execution.steps ?? []).map((step) => ({
      id: step.stepId,
      type: step.stepType,
      index: step.index,
      status: step.status,
      result: step.result,
      error: step.error,
      durationMs: step.durationMs,
      completedAt: step.completedAt,
      usage: step.usage,
      warnings: step.warnings,
    })),
    usage: { ...usage, totalTokens: totalTokens(usage) },
    durationMs: execution.durationMs,
    startedAt: execution.startedAt,
    completedAt: execution.completedAt,
    error: execution.error,
    warnings: execution.warnings ?? [],
    idempotentReplay: true,
  };
}

export function markReplay(reply: FastifyReply, executionId: string): FastifyReply {
  return reply.header('idempotent-replayed', 'true').header('x-execution-id', executionId);
}
