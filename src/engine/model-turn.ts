import { FlowrunError } from '../protocol/errors.js';
import type { Usage } from '../protocol/usage.js';
import type { FinishReason, ModelRequest, ModelStreamPart, ToolCallRequest } from './ports.js';
import type { StepContext } from './run-context.js';
import type { PageToolOrigin, TurnRecord } from './tool-loop-state.js';

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

interface TurnOptions {
  streamOutput: boolean;
  toolTypes: Map<string, { toolType: string; toolId: string } & PageToolOrigin>;
  turnIndex?: number;
  fallbackModels?: string[];
}

/** One turn as it streams: what has been said and announced so far, across fallback attempts. */
interface TurnStream {
  context: StepContext;
  options: TurnOptions;
  partId: string;
  turnIndex: number;
  ref: StepContext['ref'] & { iteration: number };
  text: string;
  chunkIndex: number;
  toolCalls: ToolCallRequest[];
  announced: Set<string>;
  /** Whether anything reached the client: a fallback model may take over only before that. */
  emitted: boolean;
  /** Whether a reasoning block is open (reasoning_start sent, reasoning_end not yet). */
  reasoning: boolean;
}

/**
 * One model call: streams text deltas (text_start / step_delta / text_end), announces tool calls as the model
 * writes them (tool_start, tool_input_delta) and returns the turn's text, tool calls and usage.
 */
export async function streamModelTurn(request: ModelRequest, context: StepContext, options: TurnOptions): Promise<TurnOutcome> {
  const turnIndex = options.turnIndex ?? 0;
  const turn: TurnStream = {
    context,
    options,
    partId: context.deps.ids.next('turn'),
    turnIndex,
    ref: { ...context.ref, iteration: turnIndex + 1 },
    text: '',
    chunkIndex: 0,
    toolCalls: [],
    announced: new Set(),
    emitted: false,
    reasoning: false,
  };
  context.deps.events.emit({ type: 'turn_start', turnId: turn.partId, turnIndex, ...turn.ref });
  const candidates = [request.model, ...(options.fallbackModels ?? [])];
  const { events } = context.deps;
  for (let attempt = 0; ; attempt++) {
    try {
      const outcome = await streamOne(turn, { ...request, model: candidates[attempt]! });
      if (attempt > 0)
        events.emit({
          type: 'fallback_complete',
          fallbackIndex: attempt - 1,
          fallbackType: 'model',
          model: candidates[attempt]!,
          ...turn.ref,
        });
      return outcome;
    } catch (error) {
      // A fallback model takes over only when the provider failed (or does not have the model) and nothing reached the client yet.
      const retryable =
        FlowrunError.isInstance(error) &&
        (error.code === 'PROVIDER_ERROR' || error.code === 'PROVIDER_TIMEOUT' || error.code === 'UNKNOWN_MODEL');
      if (!retryable || turn.emitted || context.signal.aborted) throw error;
      const reason = (error as FlowrunError).message;
      if (attempt + 1 >= candidates.length) {
        if (attempt > 0) {
          const failed = { code: (error as FlowrunError).code, message: reason, stepId: context.ref.stepId };
          events.emit({ type: 'fallback_exhausted', attempts: attempt + 1, error: failed, ...turn.ref });
        }
        throw error;
      }
      events.emit({
        type: 'fallback_start',
        fallbackIndex: attempt,
        fallbackType: 'model',
        model: candidates[attempt + 1]!,
        reason,
        ...turn.ref,
      });
    }
  }
}

function announce(turn: TurnStream, toolCallId: string, toolName: string): void {
  if (turn.announced.has(toolCallId)) return;
  turn.announced.add(toolCallId);
  const known = turn.options.toolTypes.get(toolName);
  turn.context.deps.events.emit({
    type: 'tool_start',
    toolCallId,
    toolName,
    toolType: known?.toolType ?? 'unknown',
    toolId: known?.toolId ?? toolName,
    ...(known?.origin ? { origin: known.origin } : {}),
    ...(known?.pageOrigin ? { pageOrigin: known.pageOrigin } : {}),
    ...turn.ref,
  });
}

/** Closes an open reasoning block: the model moved on to its answer, a tool call, or finished. */
function endReasoning(turn: TurnStream): void {
  if (!turn.reasoning) return;
  turn.reasoning = false;
  turn.context.deps.events.emit({ type: 'reasoning_end', partId: `${turn.partId}_reasoning`, ...turn.ref });
}

function onText(turn: TurnStream, text: string): void {
  if (text === '') return;
  endReasoning(turn);
  turn.emitted = true;
  if (turn.options.streamOutput) {
    const { events } = turn.context.deps;
    if (turn.chunkIndex === 0) events.emit({ type: 'text_start', partId: turn.partId, ...turn.ref });
    turn.chunkIndex++;
    events.emit({ type: 'step_delta', partId: turn.partId, text, chunkIndex: turn.chunkIndex, ...turn.ref });
  }
  turn.text += text;
}

function onFinish(turn: TurnStream, part: Extract<ModelStreamPart, { type: 'finish' }>): TurnOutcome {
  const { events } = turn.context.deps;
  if (turn.chunkIndex > 0) events.emit({ type: 'text_end', partId: turn.partId, text: turn.text, ...turn.ref });
  events.emit({
    type: 'turn_complete',
    turnId: turn.partId,
    turnIndex: turn.turnIndex,
    content: turn.text,
    usage: part.usage,
    stopReason: part.finishReason === 'tool-calls' ? 'max_tool_calls' : part.finishReason === 'length' ? 'length' : 'end_turn',
    toolCalls: turn.toolCalls.length,
    ...turn.ref,
  });
  return {
    text: turn.text,
    toolCalls: turn.toolCalls,
    usage: part.usage,
    finishReason: part.finishReason,
    modelId: part.modelId,
    provider: part.provider,
  };
}

async function streamOne(turn: TurnStream, request: ModelRequest): Promise<TurnOutcome> {
  const { events } = turn.context.deps;
  for await (const part of turn.context.deps.models.stream(request)) {
    switch (part.type) {
      case 'text-delta':
        onText(turn, part.text);
        break;
      case 'reasoning-delta':
        if (!turn.options.streamOutput) break;
        if (!turn.reasoning) events.emit({ type: 'reasoning_start', partId: `${turn.partId}_reasoning`, ...turn.ref });
        turn.reasoning = true;
        events.emit({ type: 'reasoning_delta', partId: `${turn.partId}_reasoning`, text: part.text, ...turn.ref });
        break;
      case 'tool-input-start':
        endReasoning(turn);
        turn.emitted = true;
        announce(turn, part.toolCallId, part.toolName);
        break;
      case 'tool-input-delta':
        if (part.delta) events.emit({ type: 'tool_input_delta', toolCallId: part.toolCallId, delta: part.delta, ...turn.ref });
        break;
      case 'tool-call':
        announce(turn, part.toolCallId, part.toolName);
        turn.toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
        break;
      case 'finish':
        endReasoning(turn);
        return onFinish(turn, part);
    }
  }
  throw new FlowrunError('PROVIDER_ERROR', `model ${request.model} ended its stream without finishing`);
}
