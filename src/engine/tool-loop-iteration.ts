import type { ToolsConfig } from '../protocol/flow.js';
import type { StepContext } from './run-context.js';
import type { LoopState } from './tool-loop-state.js';

/** What an iteration's end reports of its model turn. */
interface IterationTurn {
  text: string;
  toolCalls: unknown[];
  usage: { inputTokens: number; outputTokens: number };
}

/**
 * One iteration of the loop (a model turn and the tools it asked for), announced with the loop's running cost:
 * Runtype's agent_iteration_start / agent_iteration_complete.
 */
export function startIteration(state: LoopState, config: ToolsConfig, context: StepContext) {
  const { events, clock } = context.deps;
  const started = clock.now();
  const costBefore = state.usage.costUsd;
  const iteration = state.turns;
  const maxTurns = config.maxTurns ?? 0;
  events.emit({ type: 'iteration_start', maxTurns, totalCostUsd: costBefore, ...context.ref, iteration });
  return {
    complete(turn: IterationTurn, stopConditionMet: boolean) {
      events.emit({
        type: 'iteration_complete',
        toolCallsMade: turn.toolCalls.length,
        stopConditionMet,
        costUsd: Math.round((state.usage.costUsd - costBefore) * 1e9) / 1e9,
        runningCostUsd: state.usage.costUsd,
        tokens: { input: turn.usage.inputTokens, output: turn.usage.outputTokens },
        output: turn.text,
        durationMs: clock.now() - started,
        ...context.ref,
        iteration,
      });
    },
  };
}
