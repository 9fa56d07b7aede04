import { addUsage } from '../protocol/usage.js';
import type { ResolvedTool, ToolCallRequest } from './ports.js';
import type { StepContext } from './run-context.js';
import { runToolWithEvents } from './run-tool.js';
import type { LoopState, SettledToolCall } from './tool-loop-state.js';

export interface ExecuteToolCallOptions {
  call: ToolCallRequest;
  tool: ResolvedTool;
  args: Record<string, unknown>;
  state: LoopState;
  context: StepContext;
}

/** Runs a server-side call: its record joins the loop's, its cost the loop's usage. */
export async function executeToolCall({ call, tool, args, state, context }: ExecuteToolCallOptions): Promise<SettledToolCall> {
  const run = await runToolWithEvents(tool, args, call.toolCallId, context);
  state.records.push(run.record);
  if (run.record.costUsd > 0)
    state.usage = addUsage(state.usage, { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: run.record.costUsd });
  return { toolCallId: call.toolCallId, toolName: tool.name, output: run.result, isError: !run.record.success };
}

export interface RefuseToolCallOptions {
  call: ToolCallRequest;
  /** Why the call was not run; the model is sent it as the call's error. */
  message: string;
  /** The tool called, when there is one by that name. */
  tool?: ResolvedTool;
  state: LoopState;
  context: StepContext;
}

/** A call that is not run: it ends with a failed tool_result / tool_complete, and its record counts as a failure. */
export function refuseToolCall({ call, message, tool, state, context }: RefuseToolCallOptions): SettledToolCall {
  const result = { error: message };
  context.deps.events.emit({
    type: 'tool_result',
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    toolId: tool?.id ?? call.toolName,
    result,
    success: false,
    ...context.ref,
  });
  context.deps.events.emit({
    type: 'tool_complete',
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    toolType: tool?.toolType ?? 'unknown',
    toolId: tool?.id ?? call.toolName,
    success: false,
    result,
    error: message,
    durationMs: 0,
    costUsd: 0,
    ...context.ref,
  });
  state.records.push({
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    toolType: tool?.toolType ?? 'unknown',
    success: false,
    durationMs: 0,
    costUsd: 0,
  });
  return { toolCallId: call.toolCallId, toolName: call.toolName, output: result, isError: true };
}
