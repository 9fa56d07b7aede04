import { FlowrunError } from '../protocol/errors.js';
import type { Usage } from '../protocol/usage.js';
import type { FinishReason, ModelRequest, ToolCallRequest } from './ports.js';
import type { StepContext } from './run-context.js';
import type { TurnRecord } from './tool-loop-state.js';

export interface TurnOutcome {
  text: string;
  toolCalls: ToolCallRequest[];
  usage: Usage;
  finishReason: FinishReason;
  modelId: string;
  provider: string;
}

/** The record of a turn for the step's `responses`. */
export function turnRecord(turn: TurnOutcome): TurnRecord {
  return {
    model: turn.modelId,
    provider: turn.provider,
    text: turn.text,
    finishReason: turn.finishReason,
    usage: turn.usage,
    toolCalls: turn.toolCalls.map((call) => ({ id: call.toolCallId, name: call.toolName, arguments: call.input })),
  };
}

/**
 * One model call: streams text deltas (text_start / step_delta / text_end), announces tool calls as the model
 * writes them (tool_start, tool_input_delta) and returns the turn's text, tool calls and usage.
 */
export async function streamModelTurn(
  request: ModelRequest,
  context: StepContext,
  options: {
    streamOutput: boolean;
    toolTypes: Map<string, { toolType: string; toolId: string }>;
    turnIndex?: number;
    fallbackModels?: string[];
  },
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
    events.emit({
      type: 'tool_start',
      toolCallId,
      toolName,
      toolType: known?.toolType ?? 'unknown',
      toolId: known?.toolId ?? toolName,
      ...ref,
    });
  };
  const candidates = [request.model, ...(options.fallbackModels ?? [])];
  let emitted = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await streamOne({ ...request, model: candidates[attempt]! });
    } catch (error) {
      // A fallback model takes over only when the failure is retryable and nothing reached the client yet.
      const retryable = FlowrunError.isInstance(error) && (error.code === 'PROVIDER_ERROR' || error.code === 'PROVIDER_TIMEOUT');
      if (!retryable || emitted || attempt + 1 >= candidates.length || context.signal.aborted) throw error;
    }
  }

  async function streamOne(request: ModelRequest): Promise<TurnOutcome> {
    for await (const part of context.deps.models.stream(request)) {
      switch (part.type) {
        case 'text-delta':
          if (part.text === '') break;
          emitted = true;
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
          emitted = true;
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
            type: 'turn_complete',
            turnId: partId,
            turnIndex,
            content: text,
            usage: part.usage,
            stopReason: part.finishReason === 'tool-calls' ? 'max_tool_calls' : part.finishReason === 'length' ? 'length' : 'end_turn',
            toolCalls: toolCalls.length,
            ...ref,
          });
          return { text, toolCalls, usage: part.usage, finishReason: part.finishReason, modelId: part.modelId, provider: part.provider };
      }
    }
    throw new FlowrunError('PROVIDER_ERROR', `model ${request.model} ended its stream without finishing`);
  }
}
