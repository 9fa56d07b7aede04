import { parseJsonBounded } from '../protocol/json-depth.js';
import type { ToolsConfig } from '../protocol/flow.js';
import type { ResolvedTool, ToolCallRequest } from './ports.js';
import type { StepContext } from './run-context.js';
import { executeToolCall, refuseToolCall } from './tool-call-results.js';
import { pageToolOrigin, type LoopState, type PendingApproval, type PendingToolCall, type SettledToolCall } from './tool-loop-state.js';

export interface TriageToolCallsOptions {
  /** The tool calls of one model turn, in the order the model gave them. */
  calls: ToolCallRequest[];
  tools: Map<string, ResolvedTool>;
  config: ToolsConfig;
  state: LoopState;
  context: StepContext;
}

/** A turn's calls, triaged: the results of those settled on the server, those the client runs, those awaiting approval. */
export interface TriagedToolCalls {
  settled: SettledToolCall[];
  pending: PendingToolCall[];
  approvals: PendingApproval[];
}

/** What becomes of one call. */
type Verdict =
  | { kind: 'refuse'; message: string; tool?: ResolvedTool }
  | { kind: 'client'; pending: PendingToolCall }
  | { kind: 'approval'; approval: PendingApproval }
  | { kind: 'run'; tool: ResolvedTool; args: Record<string, unknown> };

/**
 * Decides for each call of a turn: refuse it (no such tool, arguments that are not a JSON object, a limit reached),
 * hand it to the client (a local tool), hold it for approval, or run it here. Every call's input is announced
 * (tool_input_complete) before any runs; the calls run here run concurrently with `parallelCalls`, else in order.
 */
export async function triageToolCalls(options: TriageToolCallsOptions): Promise<TriagedToolCalls> {
  const { calls, state } = options;
  const context: StepContext = { ...options.context, ref: { ...options.context.ref, iteration: state.turns } };
  const pending: PendingToolCall[] = [];
  const approvals: PendingApproval[] = [];
  const jobs: Array<() => Promise<SettledToolCall>> = [];
  for (const call of calls) {
    const verdict = triageCall(call, { ...options, context });
    switch (verdict.kind) {
      case 'refuse':
        jobs.push(async () => refuseToolCall({ call, message: verdict.message, tool: verdict.tool, state, context }));
        break;
      case 'client':
        pending.push(verdict.pending);
        break;
      case 'approval':
        approvals.push(verdict.approval);
        break;
      case 'run':
        jobs.push(() => executeToolCall({ call, tool: verdict.tool, args: verdict.args, state, context }));
        break;
    }
  }
  const settled = options.config.parallelCalls ? await Promise.all(jobs.map((job) => job())) : await sequential(jobs);
  return { settled, pending, approvals };
}

/** One call's verdict; it counts toward the limits whatever the verdict, and its input is announced. */
function triageCall(call: ToolCallRequest, { tools, config, state, context }: Omit<TriageToolCallsOptions, 'calls'>): Verdict {
  const tool = tools.get(call.toolName);
  const parsed = parseArguments(call.input);
  const emitInput = (parameters: Record<string, unknown>) =>
    context.deps.events.emit({
      type: 'tool_input_complete',
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      toolId: tool?.id ?? call.toolName,
      parameters,
      ...context.ref,
    });
  // Every call counts toward the limit, whether it runs or is refused.
  const overall = state.toolCallsMade >= config.maxToolCalls;
  const perToolMax = config.perToolLimits[call.toolName]?.maxCalls;
  const overTool = perToolMax !== undefined && (state.perTool[call.toolName] ?? 0) >= perToolMax;
  state.toolCallsMade++;
  state.perTool[call.toolName] = (state.perTool[call.toolName] ?? 0) + 1;
  if (!tool) {
    emitInput(parsed.ok ? parsed.value : {});
    return { kind: 'refuse', message: `there is no tool named '${call.toolName}'` };
  }
  if (!parsed.ok) {
    emitInput({});
    return { kind: 'refuse', message: `the arguments are not valid JSON: ${parsed.error}`, tool };
  }
  emitInput(parsed.value);
  if (overall || overTool) {
    const message = overall
      ? `tool call limit reached (maxToolCalls ${config.maxToolCalls}); answer with what you have, without calling tools`
      : `'${call.toolName}' may be called at most ${perToolMax} times; answer without calling it again`;
    return { kind: 'refuse', message, tool };
  }
  if (tool.toolType === 'local')
    return {
      kind: 'client',
      pending: { toolCallId: call.toolCallId, toolName: call.toolName, parameters: parsed.value, ...pageToolOrigin(tool.config) },
    };
  if (needsApproval(config, tool.name))
    return { kind: 'approval', approval: approvalRequest({ call, tool, parameters: parsed.value, config, context }) };
  return { kind: 'run', tool, args: parsed.value };
}

function needsApproval(config: ToolsConfig, toolName: string): boolean {
  const require = config.approval?.require;
  return require === true || (Array.isArray(require) && require.includes(toolName));
}

interface ApprovalRequestOptions {
  call: ToolCallRequest;
  tool: ResolvedTool;
  parameters: Record<string, unknown>;
  config: ToolsConfig;
  context: StepContext;
}

/** The approval a call waits for, as the step's `approval` settings describe it. */
function approvalRequest({ call, tool, parameters, config, context }: ApprovalRequestOptions): PendingApproval {
  const requestReason = config.approval?.requestReason;
  return {
    approvalId: context.deps.ids.next('appr'),
    kind: 'tool',
    toolCallId: call.toolCallId,
    toolName: tool.name,
    toolType: tool.toolType,
    parameters,
    description: `The assistant wants to run '${tool.name}'${tool.description ? ` (${tool.description})` : ''}`,
    ...(typeof requestReason === 'string' ? { reason: requestReason } : {}),
    ...(config.approval?.timeout ? { timeoutMs: config.approval.timeout } : {}),
    onDenied: config.approval?.onDenied ?? 'refuse',
  };
}

async function sequential<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const job of jobs) results.push(await job());
  return results;
}

function parseArguments(input: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  try {
    const value: unknown = parseJsonBounded(input || '{}', 'the arguments');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'expected a JSON object' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
