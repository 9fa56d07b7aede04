import { totalTokens } from '../../protocol/usage.js';
import { outputText, type Encoder, type EncoderContext } from './dialect.js';

/** Runtype's unified vocabulary (`?events=unified`, and Runtype's chat widget): `executionId` and `seq` on every frame. */
export function createUnifiedEncoder(context: EncoderContext): Encoder {
  return (event) => {
    const frame = (type: string, data: Record<string, unknown>) => ({
      event: type,
      id: event.seq,
      data: { type, executionId: event.executionId, seq: event.seq, ...data },
    });
    switch (event.type) {
      case 'flow_start':
        return frame('execution_start', {
          kind: 'flow',
          flowId: event.flowId ?? undefined,
          flowName: event.flowName,
          totalSteps: event.totalSteps,
          startedAt: event.at,
          source: event.source,
          ...(event.resumed ? { resumed: true } : {}),
        });
      case 'step_start':
        return frame('step_start', {
          id: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          index: event.index,
          totalSteps: event.totalSteps,
          startedAt: event.at,
          ...(event.outputVariable ? { outputVariable: event.outputVariable } : {}),
        });
      case 'text_start':
        return frame('text_start', { id: event.partId, stepId: event.stepId, role: 'assistant' });
      case 'step_delta':
        return frame('text_delta', { id: event.partId, delta: event.text });
      case 'text_end':
        return frame('text_complete', { id: event.partId, text: event.text });
      case 'reasoning_delta':
        return frame('reasoning_delta', { id: event.partId, delta: event.text });
      case 'step_complete':
        return frame('step_complete', {
          id: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          success: true,
          result: event.result,
          durationMs: event.durationMs,
          completedAt: event.at,
          ...(event.usage ? { tokensUsed: totalTokens(event.usage), cost: event.usage.costUsd } : {}),
          ...(event.stopReason ? { stopReason: event.stopReason } : {}),
          unresolvedVariables: event.unresolvedVariables,
        });
      case 'step_error':
        return frame('step_complete', {
          id: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          success: false,
          error: event.error.message,
          durationMs: event.durationMs,
          completedAt: event.at,
          stopReason: 'error',
        });
      case 'step_skip':
        return frame('step_skip', {
          id: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          index: event.index,
          totalSteps: event.totalSteps,
          when: event.when,
          skippedAt: event.at,
        });
      case 'flow_complete':
        return frame('execution_complete', {
          kind: 'flow',
          success: true,
          flowId: context.flowId ?? undefined,
          finalOutput: outputText(event.finalOutput),
          durationMs: event.durationMs,
          completedAt: event.at,
          totalSteps: event.totalSteps,
          successfulSteps: event.successfulSteps,
          failedSteps: event.failedSteps,
          totalCost: event.usage.costUsd,
          totalTokens: { input: event.usage.inputTokens, output: event.usage.outputTokens },
          totalTokensUsed: totalTokens(event.usage),
          stopReason: 'complete',
        });
      case 'flow_error':
        return frame('execution_error', {
          kind: 'flow',
          error: { code: event.error.code, message: event.error.message },
          code: event.error.code,
          completedAt: event.at,
          stopReason: event.cancelled ? 'cancelled' : 'error',
        });
      case 'tool_start':
        return frame('tool_start', {
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          toolType: event.toolType,
          stepId: event.stepId,
          startedAt: event.at,
        });
      case 'tool_input_delta':
        return frame('tool_input_delta', { toolCallId: event.toolCallId, delta: event.delta });
      case 'tool_input_complete':
        return frame('tool_input_complete', { toolCallId: event.toolCallId, toolName: event.toolName, parameters: event.parameters });
      case 'tool_complete':
        return frame('tool_complete', {
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          success: event.success,
          result: event.result,
          ...(event.error ? { error: event.error } : {}),
          executionTime: event.durationMs,
          toolCost: event.costUsd,
          stepId: event.stepId,
        });
      case 'await':
        return frame('await', {
          toolCallId: event.toolCallId,
          toolId: event.toolName,
          toolName: event.toolName,
          parameters: event.parameters,
          awaitedAt: event.at,
          awaitReason: event.awaitReason,
          stepId: event.stepId,
          ...(event.origin ? { origin: event.origin } : {}),
        });
      case 'approval_required':
        return frame('approval_start', {
          approvalId: event.approvalId,
          toolName: event.toolName ?? event.stepName,
          ...(event.toolCallId ? { toolCallId: event.toolCallId } : {}),
          toolType: event.toolType ?? 'approval',
          description: event.description,
          ...(event.parameters ? { parameters: event.parameters } : {}),
          ...(event.reason ? { reason: event.reason } : {}),
          ...(event.timeoutMs ? { timeout: event.timeoutMs } : {}),
          startedAt: event.at,
          iteration: event.iteration,
        });
      case 'approval_complete':
        return frame('approval_complete', {
          approvalId: event.approvalId,
          decision: event.decision,
          resolvedBy: event.resolvedBy,
          completedAt: event.at,
        });
      case 'tool_result':
      case 'flow_paused':
      case 'turn_start':
      case 'turn_complete':
        return null;
    }
  };
}
