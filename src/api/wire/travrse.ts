import { totalTokens } from '../../protocol/usage.js';
import { outputText, type Encoder, type EncoderContext } from './dialect.js';

/** Travrse frames: the fields of seed 000 and of the captured Travrse stream, together. */
export function createTravrseEncoder(context: EncoderContext): Encoder {
  return (event) => {
    const frame = (type: string, data: Record<string, unknown>) => ({ event: type, id: event.seq, data: { type, ...data } });
    switch (event.type) {
      case 'flow_start':
        return frame('flow_start', {
          executionId: event.executionId,
          flowId: event.flowId,
          flowName: event.flowName,
          recordId: event.record.id ?? '-1',
          totalSteps: event.totalSteps,
          startedAt: event.at,
          executionContext: {
            source: event.source,
            record: { id: event.record.id ?? '-1', name: event.record.name, created: event.record.created },
            flow: { id: event.flowId, name: event.flowName },
          },
        });
      case 'step_start':
        return frame('step_start', {
          id: event.stepId,
          stepId: event.stepId,
          name: event.stepName,
          stepName: event.stepName,
          stepType: event.stepType,
          index: event.index,
          totalSteps: event.totalSteps,
          startedAt: event.at,
        });
      case 'step_delta':
        return frame('step_chunk', {
          id: event.stepId,
          stepId: event.stepId,
          name: event.stepName,
          executionType: event.stepType,
          index: event.chunkIndex,
          text: event.text,
          content: event.text,
          isComplete: false,
        });
      case 'reasoning_delta':
        return frame('reason_chunk', { id: event.stepId, stepId: event.stepId, text: event.text });
      case 'step_complete':
        return frame('step_complete', {
          id: event.stepId,
          stepId: event.stepId,
          name: event.stepName,
          stepName: event.stepName,
          executionType: event.stepType,
          stepType: event.stepType,
          index: event.index,
          success: true,
          status: 'completed',
          result: event.result,
          executionTime: event.durationMs,
          ...(event.usage
            ? {
                tokens: { input: event.usage.inputTokens, output: event.usage.outputTokens, total: totalTokens(event.usage) },
                cost: event.usage.costUsd,
              }
            : {}),
          ...(event.model ? { model: event.model } : {}),
          ...(event.processedPrompt !== undefined ? { processedPrompt: event.processedPrompt } : {}),
          unresolvedVariables: event.unresolvedVariables,
        });
      case 'step_error':
        return frame('step_error', {
          id: event.stepId,
          stepId: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          index: event.index,
          success: false,
          status: 'failed',
          error: event.error.message,
          code: event.error.code,
          executionTime: event.durationMs,
        });
      case 'step_skip':
        return frame('step_skip', {
          id: event.stepId,
          stepId: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          index: event.index,
          reason: event.reason,
          when: event.when,
        });
      case 'flow_complete':
        return frame('flow_complete', {
          executionId: event.executionId,
          flowId: context.flowId,
          success: true,
          status: 'completed',
          totalSteps: event.totalSteps,
          executionTime: event.durationMs,
          duration: event.durationMs,
          completedAt: event.at,
          tokensUsed: totalTokens(event.usage),
          totalTokensUsed: totalTokens(event.usage),
          cost: event.usage.costUsd,
          finalOutput: outputText(event.finalOutput),
          output: event.output,
        });
      case 'flow_error':
        return frame('flow_error', {
          executionId: event.executionId,
          flowId: context.flowId,
          success: false,
          status: event.cancelled ? 'cancelled' : 'failed',
          error: event.error.message,
          code: event.error.code,
          ...(event.error.stepId ? { step_id: event.error.stepId } : {}),
          executionTime: event.durationMs,
        });
      case 'tool_start':
        return frame('tool_start', {
          id: event.toolCallId,
          toolCallId: event.toolCallId,
          toolId: event.toolId,
          toolName: event.toolName,
          toolType: event.toolType,
          stepId: event.stepId,
        });
      case 'tool_input_complete':
        return frame('step_chunk', {
          id: event.stepId,
          stepId: event.stepId,
          name: event.stepName,
          executionType: event.stepType,
          type: 'tool_call',
          toolCall: { toolId: event.toolId, toolName: event.toolName, toolCallId: event.toolCallId, args: event.parameters },
        });
      case 'tool_result':
        return frame('step_chunk', {
          id: event.stepId,
          stepId: event.stepId,
          name: event.stepName,
          executionType: event.stepType,
          type: 'tool_result',
          toolResult: {
            toolId: event.toolId,
            toolName: event.toolName,
            toolCallId: event.toolCallId,
            result: event.result,
            success: event.success,
          },
        });
      case 'tool_complete':
        return frame('tool_complete', {
          id: event.toolCallId,
          toolCallId: event.toolCallId,
          toolId: event.toolId,
          toolName: event.toolName,
          success: event.success,
          result: event.result,
          ...(event.error ? { error: event.error } : {}),
          duration: event.durationMs,
          cost: event.costUsd,
        });
      case 'await':
        return frame('tool_waiting_local', {
          executionId: event.executionId,
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          parameters: event.parameters,
          stepId: event.stepId,
        });
      case 'flow_paused':
        return frame('flow_paused', {
          executionId: event.executionId,
          flowId: context.flowId,
          reason: event.reason,
          pendingToolCalls: event.pendingToolCalls,
          ...(event.pendingApprovals?.length ? { pendingApprovals: event.pendingApprovals } : {}),
        });
      case 'approval_complete':
        return frame('approval_complete', {
          executionId: event.executionId,
          approvalId: event.approvalId,
          decision: event.decision,
          resolvedBy: event.resolvedBy,
        });
      case 'approval_required':
      case 'tool_input_delta':
      case 'text_start':
      case 'text_end':
      case 'turn_start':
      case 'turn_complete':
        return null;
    }
  };
}
