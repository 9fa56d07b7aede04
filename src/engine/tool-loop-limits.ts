import type { ToolsConfig } from '../protocol/flow.js';
import type { ResolvedTool, ToolCallRequest, ToolChoice } from './ports.js';
import type { LoopState } from './tool-loop-state.js';

/** How a turn stands against the loop's limits, known before the model is called. */
export interface TurnLimits {
  /** The turn is the last one `maxTurns` allows. */
  lastTurn: boolean;
  /** The model may call no more tools: `maxToolCalls` is reached, or this is the last turn. */
  limitReached: boolean;
}

/** Why the loop ended, in agent terms, and whether a limit (not the model) ended it. */
export interface LoopStop {
  stopReason: 'end_turn' | 'max_turns' | 'max_cost';
  hitLimit: boolean;
}

/** The limits of the turn about to start (`state.turns` already counts it). */
export function turnLimits(config: ToolsConfig, state: LoopState): TurnLimits {
  const lastTurn = config.maxTurns !== undefined && state.turns >= config.maxTurns;
  return { lastTurn, limitReached: state.toolCallsMade >= config.maxToolCalls || lastTurn };
}

export interface ToolChoiceOptions {
  config: ToolsConfig;
  state: LoopState;
  tools: Map<string, ResolvedTool>;
  limitReached: boolean;
}

/** None past the limit (or by strategy), a required tool not yet called, `required` before the first call, else auto. */
export function toolChoiceFor({ config, state, tools, limitReached }: ToolChoiceOptions): ToolChoice {
  if (limitReached || config.toolCallStrategy === 'none') return 'none';
  const missingRequired = Object.entries(config.perToolLimits).find(
    ([name, limit]) => limit.required && (state.perTool[name] ?? 0) === 0 && tools.has(name),
  );
  if (missingRequired) return { toolName: missingRequired[0] };
  return config.toolCallStrategy === 'required' && state.toolCallsMade === 0 ? 'required' : 'auto';
}

export interface LoopStopOptions {
  turn: { toolCalls: ToolCallRequest[] };
  limits: TurnLimits;
  config: ToolsConfig;
  /** The loop's state, its usage including the turn's. */
  state: LoopState;
}

/**
 * Whether the loop ends with this turn: the model answered without tools, or asked for tools it may no longer
 * call, or the loop's cost reached `maxCost`. Null when its tools run and the loop goes on.
 */
export function loopStop({ turn, limits, config, state }: LoopStopOptions): LoopStop | null {
  if (turn.toolCalls.length === 0 || config.toolCallStrategy === 'none')
    return { stopReason: limits.lastTurn && turn.toolCalls.length > 0 ? 'max_turns' : 'end_turn', hitLimit: false };
  // The model asked for tools after being told it may not: stop here rather than loop.
  if (limits.limitReached) return { stopReason: limits.lastTurn ? 'max_turns' : 'end_turn', hitLimit: true };
  if (config.maxCost !== undefined && state.usage.costUsd >= config.maxCost) return { stopReason: 'max_cost', hitLimit: true };
  return null;
}
