import { encoderFrom, outputText, type Encoder, type EncoderContext } from './dialect.js';
import { stampedFramer } from './frame.js';
import type { UnifiedFrameFields } from './frame-types.js';
import { unifiedHandlers } from './unified.js';

const frame = stampedFramer<UnifiedFrameFields>();

/** Unified frames of an agent run: the flow handlers, with `execution_*{kind:"agent"}` and `turn_*` instead of `step_*`. */
export function createUnifiedAgentEncoder(context: EncoderContext & { agent: NonNullable<EncoderContext['agent']> }): Encoder {
  const { agent } = context;
  return encoderFrom({
    ...unifiedHandlers(context),
    flow_start: (event) =>
      frame(event, 'execution_start', {
        kind: 'agent',
        agentId: agent.id,
        agentName: agent.name,
        maxTurns: agent.maxTurns,
        startedAt: event.at,
        ...(event.resumed ? { resumed: true } : {}),
      }),
    turn_start: (event) =>
      frame(event, 'turn_start', {
        id: event.turnId,
        role: 'assistant',
        iteration: event.iteration ?? event.turnIndex + 1,
        turnIndex: event.turnIndex,
      }),
    turn_complete: (event) =>
      frame(event, 'turn_complete', {
        id: event.turnId,
        role: 'assistant',
        iteration: event.iteration ?? event.turnIndex + 1,
        content: event.content,
        completedAt: event.at,
        tokens: { input: event.usage.inputTokens, output: event.usage.outputTokens },
        cost: event.usage.costUsd,
        stopReason: event.stopReason,
      }),
    flow_complete: (event) =>
      frame(event, 'execution_complete', {
        kind: 'agent',
        success: true,
        finalOutput: outputText(event.finalOutput),
        durationMs: event.durationMs,
        completedAt: event.at,
        iterations: event.agent?.iterations ?? 1,
        totalCost: event.usage.costUsd,
        totalTokens: { input: event.usage.inputTokens, output: event.usage.outputTokens },
        stopReason: event.agent?.stopReason ?? 'complete',
      }),
    flow_error: (event) =>
      frame(event, 'execution_error', {
        kind: 'agent',
        error: { code: event.error.code, message: event.error.message },
        code: event.error.code,
        completedAt: event.at,
      }),
    step_start: () => null,
    step_complete: () => null,
    step_error: () => null,
    step_skip: () => null,
  });
}
