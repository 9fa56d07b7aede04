import type { ToolCallRecord } from '../engine/ports.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../protocol/tenant.js';
import { type ExecutionView } from '../store/executions-repository.js';

export interface ExecutionTreeNode {
  executionId: string;
  kind: 'flow' | 'agent';
  name: string;
  agentId: string | null;
  status: string;
  depth: number;
  parentToolCallId: string | null;
  durationMs: number | null;
  tokens: { input: number; output: number; reasoning: number };
  /** Cost of this execution's own model calls and tools, children excluded. */
  costUsd: number;
  /** This execution and everything under it. */
  cumulativeCostUsd: number;
  toolCalls: Array<Omit<ToolCallRecord, 'childExecutionId'> & { spawnedExecutionId: string | null }>;
  children: ExecutionTreeNode[];
}

const maxNodes = 1000;

/** Who called whom: an execution, the tool calls it made, and the executions those started, recursively. */
export async function buildExecutionTree(store: Store, scope: TenantScope, root: ExecutionView): Promise<ExecutionTreeNode> {
  let budget = maxNodes;
  const build = async (execution: ExecutionView, depth: number): Promise<ExecutionTreeNode> => {
    budget--;
    const withSteps = (await store.getExecution(scope, execution.id, true))!;
    const children = budget > 0 ? await store.listChildExecutions(execution.id) : [];
    const childNodes: ExecutionTreeNode[] = [];
    for (const child of children) if (budget > 0) childNodes.push(await build(child, depth + 1));
    const calls = (withSteps.steps ?? []).flatMap((step) =>
      Array.isArray(step.toolCalls) ? (step.toolCalls as ExecutionTreeNode['toolCalls']) : [],
    );
    const usage = execution.usage ?? { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0 };
    // A run's usage already includes what its tools cost (children included), so "direct" removes the children.
    const childrenCost = childNodes.reduce((sum, child) => sum + child.cumulativeCostUsd, 0);
    return {
      executionId: execution.id,
      kind: execution.kind,
      name: execution.flowName,
      agentId: execution.agent?.id ?? null,
      status: execution.status,
      depth,
      parentToolCallId: execution.parentToolCallId,
      durationMs: execution.durationMs,
      tokens: { input: usage.inputTokens, output: usage.outputTokens, reasoning: usage.reasoningTokens },
      costUsd: Math.max(0, Math.round((usage.costUsd - childrenCost) * 1e9) / 1e9),
      cumulativeCostUsd: usage.costUsd,
      toolCalls: calls.map((call) => ({
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        toolType: call.toolType,
        success: call.success,
        durationMs: call.durationMs,
        costUsd: call.costUsd,
        spawnedExecutionId:
          (call as { childExecutionId?: string }).childExecutionId ??
          children.find((child) => child.parentToolCallId === call.toolCallId)?.id ??
          null,
      })),
      children: childNodes,
    };
  };
  return build(root, 0);
}
