import { FlowrunError } from '../protocol/errors.js';
import type { Usage } from '../protocol/usage.js';
import type { FinishReason, ModelRequest, ToolCallRequest } from './ports.js';
import type { StepContext } from './run-context.js';

export interface TurnOutcome {
  text: string;
  toolCalls: ToolCallRequest[];
  usage: Usage;
  finishReason: FinishReason;
  modelId: string;
}

/**
 * One model call: streams text deltas (text_start / step_delta / text_end), announces tool calls as the model
 * writes them (tool_start, tool_input_delta) and returns the turn's text, tool calls and usage.
 */
export async function streamModelTurn(
  request: ModelRequest, context: StepContext, options: { streamOutput: boolean; toolTypes: Map<string, { toolType: string; toolId: string }>; turnIndex?: number },
): Promise<TurnOutcome> {
  const { events, ids } = context.deps;
  const partId = ids.next('turn');
  const turnIndex = options.turnIndex ?? 0;
  const ref = { ...context.ref, iteration: turnIndex + 1 };
  events.emit({ type: 'turn_start', turnId: partId, turnIndex, ...ref });
  let text = '';
  let chunkIndex = 0;
  const toolCalls: ToolCallRequest[] = [];
  const announced = new Set<string>();
  const announce = (toolCallId: string, toolName: string): void => {
    if (announced.has(toolCallId)) return;
    announced.add(toolCallId);
    const known = options.toolTypes.get(toolName);
    events.emit({ type: 'tool_start', toolCallId, toolName, toolType: known?.toolType ?? 'unknown', toolId: known?.toolId ?? toolName, ...ref });
  };
  for await (const part of context.deps.models.stream(request)) {
    switch (part.type) {
      case 'text-delta':
        if (part.text === '') break;
        if (options.streamOutput) {
          if (chunkIndex === 0) events.emit({ type: 'text_start', partId, ...ref });
          chunkIndex++;
          events.emit({ type: 'step_delta', partId, text: part.text, chunkIndex, ...ref });
        }
        text += part.text;
        break;
      case 'reasoning-delta':
        if (options.streamOutput) events.emit({ type: 'reasoning_delta', partId: `${partId}_reasoning`, text: part.text, ...ref });
        break;
      case 'tool-input-start':
        announce(part.toolCallId, part.toolName);
        break;
      case 'tool-input-delta':
        if (part.delta) events.emit({ type: 'tool_input_delta', toolCallId: part.toolCallId, delta: part.delta, ...ref });
        break;
      case 'tool-call':
        announce(part.toolCallId, part.toolName);
        toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
        break;
      case 'finish':
        if (chunkIndex > 0) events.emit({ type: 'text_end', partId, text, ...ref });
        events.emit({
          type: 'turn_complete', turnId: partId, turnIndex, content: text, usage: part.usage,
          stopReason: part.finishReason === 'tool-calls' ? 'max_tool_calls' : part.finishReason === 'length' ? 'length' : 'end_turn', toolCalls: toolCalls.length, ...ref,
        });
        return { text, toolCalls, usage: part.usage, finishReason: part.finishReason, modelId: part.modelId };
    }
  }
  throw new FlowrunError('PROVIDER_ERROR', `model ${request.model} ended its stream without finishing`);
}
