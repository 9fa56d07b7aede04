import type { StepCheckpoint } from '../../engine/ports.js';
import type { RunOutcome } from '../../engine/run-flow.js';
import { usdToCredits } from '../../protocol/credits.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { ExecutionTreeNode } from '../execution-tree.js';

/** What a PromptShuttle run document is built from: the run's outcome, live or as the store kept it. */
export type DocumentOutcome = Pick<RunOutcome, 'status' | 'usage' | 'credits' | 'finalOutput' | 'error'> & {
  steps: Array<Pick<StepCheckpoint, 'responses' | 'toolCalls'>>;
};

export interface DocumentRun {
  executionId: string;
  tenantId: string;
  rawBody: unknown;
  flowId: string;
}

export interface DocumentTiming {
  warnings: string[];
  timestamp: string;
  milliseconds: number;
  structured: boolean;
  /** The tenant's balance when the run's settlement does not say. */
  creditsLeft: number;
}

/** The seed's run document: one `responses[]` entry per model call, usage and credits. */
export function runDocument(run: DocumentRun, outcome: DocumentOutcome, timing: DocumentTiming) {
  const settled = {
    creditsUsed: outcome.credits?.used ?? 0,
    creditsLeft: outcome.credits?.left ?? timing.creditsLeft,
  };
  // A PromptShuttle run is one step.
  const step = outcome.steps[0];
  const responses = (step?.responses ?? []).map((response) => ({
    model: response.model,
    provider: response.provider,
    textResponse: response.text,
    status: 'completed',
    finishReason: response.finishReason,
    usage: {
      tokensIn: response.usage.inputTokens,
      tokensOut: response.usage.outputTokens,
      reasoningTokens: response.usage.reasoningTokens,
      costUsd: response.usage.costUsd,
    },
    ...(response.toolCalls.length ? { toolCalls: response.toolCalls } : {}),
  }));
  const toolCost = (step?.toolCalls ?? []).reduce((sum, call) => sum + call.costUsd, 0);
  return {
    id: run.executionId,
    timestamp: timing.timestamp,
    flowId: run.flowId,
    tenantId: run.tenantId,
    creditsUsed: settled.creditsUsed,
    milliseconds: timing.milliseconds,
    usage: {
      creditsUsed: settled.creditsUsed,
      creditsLeft: settled.creditsLeft,
      tokensIn: outcome.usage.inputTokens,
      tokensOut: outcome.usage.outputTokens,
      reasoningTokens: outcome.usage.reasoningTokens,
      toolCost: Math.round(toolCost * 1e9) / 1e9,
      costUsd: outcome.usage.costUsd,
    },
    flowRequest: run.rawBody,
    responses,
    warnings: timing.warnings,
    cached: false,
    ...(timing.structured && outcome.status === 'completed' ? { structuredResponse: outcome.finalOutput } : {}),
  };
}

/** A cache hit's document: the cached one under the new run's id and time, at zero cost. */
export function cachedRunDocument(
  cached: Record<string, any>,
  run: { executionId: string; rawBody: unknown; timestamp: string; milliseconds: number; warnings: string[]; creditsLeft: number },
) {
  return {
    ...cached,
    id: run.executionId,
    timestamp: run.timestamp,
    milliseconds: run.milliseconds,
    creditsUsed: 0,
    cached: true,
    flowRequest: run.rawBody,
    warnings: run.warnings,
    usage: { ...cached.usage, creditsUsed: 0, creditsLeft: run.creditsLeft, costUsd: 0, toolCost: 0 },
  };
}

/** A failed run answers with the status of its error (502/504/402…) and Runtype's error body merged into the document. */
export function failedRunResponse(
  outcome: Pick<RunOutcome, 'error'>,
  document: Record<string, unknown>,
): { status: number; body: Record<string, unknown> } {
  const error = outcome.error ?? { code: 'STEP_FAILED' as const, message: 'the run failed' };
  const passed = ['PROVIDER_ERROR', 'PROVIDER_TIMEOUT', 'MODEL_OUTPUT_INVALID', 'CANCELLED', 'COST_LIMIT_EXCEEDED'].includes(error.code);
  const known = new FlowrunError(passed ? error.code : 'STEP_FAILED', error.message);
  return {
    status: known.status,
    body: { error: error.message, code: error.code, details: [{ code: error.code, message: error.message }], ...document },
  };
}

/** GET of a run: the document it answered with (or its id and flow, when it never answered), its status and feedback. */
export function storedRunView(
  response: Record<string, unknown> | undefined,
  run: { id: string; flowId: string; status: string },
  feedback: unknown,
): Record<string, unknown> {
  return { ...(response ?? { id: run.id, flowId: run.flowId }), status: run.status, feedback };
}

/** PromptShuttle's tool types, where they differ from Flowrun's. */
const shuttleToolTypes = new Map([
  ['subagent', 'Agent'],
  ['external', 'External'],
  ['mcp', 'Mcp'],
]);

/** PromptShuttle's agent tree: the execution tree in its vocabulary (credits instead of USD). */
export function agentTree(node: ExecutionTreeNode, role: string): Record<string, unknown> {
  return {
    requestId: node.executionId,
    agentRole: role,
    depth: node.depth,
    durationMs: node.durationMs,
    status: node.status,
    creditsUsed: usdToCredits(node.costUsd),
    totalTreeCreditsUsed: usdToCredits(node.cumulativeCostUsd),
    toolCalls: node.toolCalls.map((call) => ({
      toolName: call.toolName,
      toolType: shuttleToolTypes.get(call.toolType) ?? call.toolType,
      durationMs: call.durationMs,
      success: call.success,
      spawnedRequestId: call.spawnedExecutionId,
    })),
    children: node.children.map((child) =>
      agentTree(child, node.toolCalls.find((call) => call.spawnedExecutionId === child.executionId)?.toolName ?? child.name),
    ),
  };
}
