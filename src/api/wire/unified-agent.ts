import { outputText, type Encoder, type EncoderContext } from './dialect.js';
import { createUnifiedEncoder } from './unified.js';

/** Unified frames of an agent run: `execution_start{kind:"agent"}`, `turn_*`, `text_*`, `tool_*`, `await`, `execution_complete`. */
export function createUnifiedAgentEncoder(context: EncoderContext & { agent: NonNullable<EncoderContext['agent']> }): Encoder {
  const { agent } = context;
  const shared = createUnifiedEncoder(context);
  return (event) => {
    const frame = (type: string, data: Record<string, unknown>) => ({
      event: type,
      id: event.seq,
      data: { type, executionId: event.executionId, seq: event.seq, ...data },
    });
    switch (event.type) {
      case 'flow_start':
        return frame('execution_start', {
          kind: 'agent',
          agentId: agent.id,
          agentName: agent.name,
          maxTurns: agent.maxTurns,
          startedAt: event.at,
          ...(event.resumed ? { resumed: true } : {}),
        });
      case 'turn_start':
        return frame('turn_start', {
          id: event.turnId,
          role: 'assistant',
          iteration: event.iteration ?? event.turnIndex + 1,
          turnIndex: event.turnIndex,
        });
      case 'turn_complete':
        return frame('turn_complete', {
          id: event.turnId,
          role: 'assistant',
          iteration: event.iteration ?? event.turnIndex + 1,
          content: event.content,
          completedAt: event.at,
          tokens: { input: event.usage.inputTokens, output: event.usage.outputTokens },
          cost: event.usage.costUsd,
          stopReason: event.stopReason,
        });
      case 'flow_complete':
        return frame('execution_complete', {
          kind: 'agent',
          success: true,
          finalOutput: outputText(event.finalOutput),
          durationMs: event.durationMs,
          completedAt: event.at,
          iterations: event.agent?.iterations ?? 1,
          totalCost: event.usage.costUsd,
          totalTokens: { input: event.usage.inputTokens, output: event.usage.outputTokens },
          stopReason: event.agent?.stopReason ?? 'complete',
        });
      case 'flow_error':
        return frame('execution_error', {
          kind: 'agent',
          error: { code: event.error.code, message: event.error.message },
          code: event.error.code,
          completedAt: event.at,
        });
      case 'step_start':
      case 'step_complete':
      case 'step_error':
      case 'step_skip':
        return null;
      default:
        return shared(event);
    }
  };
}
