import { totalTokens } from '../../protocol/usage.js';
import { outputText, type Encoder, type EncoderContext } from './dialect.js';

/** Runtype legacy frames of an agent run: `agent_start` … `agent_complete`, each valid against `DispatchSSEEvent`. */
export function createRuntypeAgentEncoder(context: EncoderContext & { agent: NonNullable<EncoderContext['agent']> }): Encoder {
  const { agent } = context;
  return (event) => {
    const frame = (type: string, data: Record<string, unknown>) => ({
      event: type,
      id: event.seq,
      data: { type, executionId: event.executionId, seq: event.seq, ...data },
    });
    const iteration = 'iteration' in event && event.iteration !== undefined ? event.iteration : 1;
    switch (event.type) {
      case 'flow_start':
        return frame('agent_start', {
          agentId: agent.id,
          agentName: agent.name,
          maxTurns: agent.maxTurns,
          startedAt: event.at,
          ...(agent.model ? { config: { model: agent.model } } : {}),
        });
      case 'turn_start':
        return frame('agent_turn_start', { iteration, turnId: event.turnId, turnIndex: event.turnIndex, role: 'assistant' });
      case 'step_delta':
        return frame('agent_turn_delta', { iteration, turnId: event.partId, delta: event.text, contentType: 'text' });
      case 'reasoning_delta':
        return frame('agent_turn_delta', {
          iteration,
          turnId: event.partId.replace(/_reasoning$/, ''),
          delta: event.text,
          contentType: 'thinking',
        });
      case 'turn_complete':
        return frame('agent_turn_complete', {
          iteration,
          turnId: event.turnId,
          role: 'assistant',
          completedAt: event.at,
          content: event.content,
          tokens: { input: event.usage.inputTokens, output: event.usage.outputTokens },
          cost: event.usage.costUsd,
          stopReason: event.stopReason,
        });
      case 'tool_start':
        return frame('agent_tool_start', { iteration, toolCallId: event.toolCallId, toolName: event.toolName, toolType: event.toolType });
      case 'tool_input_delta':
        return frame('agent_tool_input_delta', { iteration, toolCallId: event.toolCallId, delta: event.delta });
      case 'tool_input_complete':
        return frame('agent_tool_input_complete', {
          iteration,
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          parameters: event.parameters,
        });
      case 'tool_complete':
        return frame('agent_tool_complete', {
          iteration,
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          success: event.success,
          result: event.result,
          executionTime: event.durationMs,
        });
      case 'await':
        return frame('agent_await', {
          toolId: event.toolName,
          toolName: event.toolName,
          awaitedAt: event.at,
          toolCallId: event.toolCallId,
          parameters: event.parameters,
        });
      case 'flow_complete':
        return frame('agent_complete', {
          agentId: agent.id,
          success: true,
          iterations: event.agent?.iterations ?? 1,
          stopReason: event.agent?.stopReason ?? 'complete',
          completedAt: event.at,
          duration: event.durationMs,
          finalOutput: outputText(event.finalOutput),
          totalCost: event.usage.costUsd,
          totalTokens: { input: event.usage.inputTokens, output: event.usage.outputTokens, total: totalTokens(event.usage) },
        });
      case 'flow_error':
        return frame('agent_error', { error: { code: event.error.code, message: event.error.message }, recoverable: false });
      case 'approval_required':
        return frame('agent_approval_start', {
          approvalId: event.approvalId,
          toolCallId: event.toolCallId ?? event.approvalId,
          toolName: event.toolName ?? event.stepName,
          toolType: event.toolType ?? 'approval',
          description: event.description,
          timeout: event.timeoutMs ?? 0,
          startedAt: event.at,
          iteration,
          ...(event.reason ? { reason: event.reason } : {}),
          ...(event.parameters ? { parameters: event.parameters } : {}),
        });
      case 'approval_complete':
        return frame('agent_approval_complete', {
          approvalId: event.approvalId,
          decision: event.decision,
          completedAt: event.at,
          resolvedBy: event.resolvedBy,
        });
      case 'step_start':
      case 'step_complete':
      case 'step_error':
      case 'step_skip':
      case 'text_start':
      case 'text_end':
      case 'tool_result':
      case 'flow_paused':
        return null;
    }
  };
}
