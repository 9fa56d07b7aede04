import { totalTokens } from '../../protocol/usage.js';
import { outputText, type Encoder, type EncoderContext } from './dialect.js';

/** Runtype legacy frames: each validates against `DispatchSSEEvent` of Runtype's OpenAPI document. */
export function createRuntypeEncoder(context: EncoderContext): Encoder {
  return (event) => {
    const frame = (type: string, data: Record<string, unknown>) => ({
      event: type,
      id: event.seq,
      data: { type, executionId: event.executionId, seq: event.seq, ...data },
    });
    switch (event.type) {
      case 'flow_start':
        return frame('flow_start', {
          flowId: event.flowId ?? '',
          flowName: event.flowName,
          totalSteps: event.totalSteps,
          startedAt: event.at,
          source: event.source,
          executionContext: {
            source: event.source,
            record: { id: event.record.id ?? '-1', name: event.record.name, type: event.record.type, created: event.record.created },
            flow: { id: event.flowId, name: event.flowName, versionId: event.flowVersionId },
          },
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
      case 'step_delta':
        return frame('step_delta', { id: event.stepId, text: event.text, delta: event.text, partId: event.partId });
      case 'reasoning_delta':
        return frame('reason_delta', { id: event.stepId, text: event.text, delta: event.text });
      case 'step_complete':
        return frame('step_complete', {
          id: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          index: event.index,
          success: true,
          result: event.result,
          durationMs: event.durationMs,
          executionTime: event.durationMs,
          completedAt: event.at,
          ...(event.usage ? { tokensUsed: totalTokens(event.usage), cost: event.usage.costUsd } : {}),
          ...(event.stopReason ? { stopReason: event.stopReason } : {}),
          unresolvedVariables: event.unresolvedVariables,
        });
      case 'step_error':
        return frame('step_error', {
          id: event.stepId,
          name: event.stepName,
          stepType: event.stepType,
          index: event.index,
          error: event.error.message,
          code: event.error.code,
          executionTime: event.durationMs,
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
        return frame('flow_complete', {
          flowId: context.flowId ?? undefined,
          success: true,
          duration: event.durationMs,
          executionTime: event.durationMs,
          completedAt: event.at,
          totalSteps: event.totalSteps,
          successfulSteps: event.successfulSteps,
          completedSteps: event.successfulSteps,
          failedSteps: event.failedSteps,
          finalOutput: outputText(event.finalOutput),
          output: event.output,
          totalTokensUsed: totalTokens(event.usage),
        });
      case 'flow_error':
        return frame('flow_error', {
          flowId: context.flowId ?? undefined,
          error: { code: event.error.code, message: event.error.message, ...(event.error.stepId ? { stepId: event.error.stepId } : {}) },
          code: event.error.code,
          executionTime: event.durationMs,
          timestamp: event.at,
        });
      case 'tool_start':
        return frame('tool_start', {
          toolType: event.toolType,
          toolCallId: event.toolCallId,
          toolId: event.toolId,
          toolName: event.toolName,
          name: event.toolName,
          stepId: event.stepId,
          startedAt: event.at,
        });
      case 'tool_input_delta':
        return frame('tool_input_delta', { delta: event.delta, toolCallId: event.toolCallId, stepId: event.stepId });
      case 'tool_input_complete':
        return frame('tool_input_complete', {
          parameters: event.parameters,
          toolCallId: event.toolCallId,
          toolId: event.toolId,
          toolName: event.toolName,
          stepId: event.stepId,
        });
      case 'tool_complete':
        return frame('tool_complete', {
          success: event.success,
          toolCallId: event.toolCallId,
          toolId: event.toolId,
          toolName: event.toolName,
          name: event.toolName,
          result: event.result,
          ...(event.error ? { error: event.error } : {}),
          executionTime: event.durationMs,
          toolCost: event.costUsd,
          completedAt: event.at,
          stepId: event.stepId,
        });
      case 'await':
        return frame('step_await', {
          awaitReason: event.awaitReason,
          id: event.stepId,
          stepId: event.stepId,
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          parameters: event.parameters,
          awaitedAt: event.at,
          ...(event.origin ? { origin: event.origin } : {}),
        });
      case 'flow_paused': {
        const first = event.pendingToolCalls[0];
        if (!first) return null; // an approval pause already said so with step_await
        return frame('flow_await', {
          flowId: context.flowId ?? '',
          awaitedAt: event.at,
          ...(first ? { toolCallId: first.toolCallId, toolName: first.toolName, parameters: first.parameters } : {}),
        });
      }
      case 'approval_required':
        return frame('step_await', {
          awaitReason: 'approval_required',
          approvalId: event.approvalId,
          id: event.stepId,
          stepId: event.stepId,
          description: event.description,
          ...(event.toolCallId ? { toolCallId: event.toolCallId, toolName: event.toolName, parameters: event.parameters } : {}),
          ...(event.reason ? { reason: event.reason } : {}),
          ...(event.timeoutMs ? { timeout: event.timeoutMs } : {}),
          awaitedAt: event.at,
        });
      case 'approval_complete':
        return frame('agent_approval_complete', {
          approvalId: event.approvalId,
          decision: event.decision,
          completedAt: event.at,
          resolvedBy: event.resolvedBy,
        });
      case 'tool_result':
      case 'text_start':
      case 'text_end':
      case 'turn_start':
      case 'turn_complete':
        return null;
    }
  };
}
