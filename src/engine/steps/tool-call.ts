import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import { runToolWithEvents } from '../run-tool.js';
import type { StepRunner } from '../run-context.js';
import { renderValue } from '../template.js';
import { stepCallId } from './step-call-id.js';

/** `tool-call`: calls a saved tool directly with templated parameters; the tool's result is the step's output. */
export const runToolCallStep: StepRunner<StepOf<'tool-call'>> = async (step, context) => {
  const tool = context.request.tools[step.config.toolId];
  if (!tool) throw new FlowrunError('TOOL_NOT_FOUND', `tool '${step.config.toolId}' was not found`);
  const unresolved: string[] = [];
  const args = renderValue(step.config.parameters, context.scope(), unresolved) as Record<string, unknown>;
  context.checkVariables(unresolved);
  // The same call of the same step has the same id in every attempt of the run (a process that takes the run
  // over runs the step again): its Idempotency-Key (`executionId:toolCallId`) repeats, so the tool can tell.
  const toolCallId = stepCallId('call', context.ref);
  context.deps.events.emit({
    type: 'tool_start',
    toolCallId,
    toolName: tool.name,
    toolType: tool.toolType,
    toolId: tool.id,
    ...context.ref,
  });
  context.deps.events.emit({
    type: 'tool_input_complete',
    toolCallId,
    toolName: tool.name,
    toolId: tool.id,
    parameters: args,
    ...context.ref,
  });
  const run = await runToolWithEvents(tool, args, toolCallId, context);
  if (!run.record.success) throw new FlowrunError('TOOL_FAILED', `tool '${tool.name}' failed: ${(run.result as { error: string }).error}`);
  return {
    result: run.result,
    unresolved,
    toolCalls: [run.record],
    usage: { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: run.record.costUsd },
  };
};
