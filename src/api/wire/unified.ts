import { totalTokens } from '../../protocol/usage.js';
import { encoderFrom, outputText, type Encoder, type EncoderContext, type EventHandlers } from './dialect.js';
import { originFields, stampedFramer, stepFields } from './frame.js';
import type { UnifiedFrameFields } from './frame-types.js';
import { sharedRuntypeHandlers } from './runtype-shared.js';

const frame = stampedFramer<UnifiedFrameFields>();

/** The frames of Runtype's unified vocabulary. */
export type UnifiedFrameName = keyof UnifiedFrameFields & string;

/** Runtype's unified vocabulary (`?events=unified`, and Runtype's chat widget): `executionId` and `seq` on every frame. */
export function unifiedHandlers(context: EncoderContext): EventHandlers<UnifiedFrameName> {
  return {
    // Warnings, sources, artifacts and fallbacks: the same frames in Runtype's legacy and unified vocabularies.
    ...sharedRuntypeHandlers,
    flow_start: (event) =>
      frame(event, 'execution_start', {
        kind: 'flow',
        flowId: event.flowId ?? undefined,
        flowName: event.flowName,
        totalSteps: event.totalSteps,
        startedAt: event.at,
        source: event.source,
        ...(event.resumed ? { resumed: true } : {}),
      }),
    step_start: (event) =>
      frame(event, 'step_start', {
        ...stepFields(event),
        totalSteps: event.totalSteps,
        startedAt: event.at,
        ...(event.outputVariable ? { outputVariable: event.outputVariable } : {}),
      }),
    text_start: (event) => frame(event, 'text_start', { id: event.partId, stepId: event.stepId, role: 'assistant' }),
    step_delta: (event) => frame(event, 'text_delta', { id: event.partId, delta: event.text }),
    text_end: (event) => frame(event, 'text_complete', { id: event.partId, text: event.text }),
    // The unified vocabulary has no custom event either: an empty text_delta of the step's own part carries it.
    custom_event: (event) =>
      frame(event, 'text_delta', {
        id: `${event.stepId}_event`,
        delta: '',
        contentType: 'event',
        eventType: event.eventType,
        payload: event.payload,
      }),
    reasoning_start: (event) => frame(event, 'reasoning_start', { id: event.partId, stepId: event.stepId }),
    reasoning_delta: (event) => frame(event, 'reasoning_delta', { id: event.partId, delta: event.text }),
    reasoning_end: (event) => frame(event, 'reasoning_complete', { id: event.partId }),
    step_complete: (event) =>
      frame(event, 'step_complete', {
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
      }),
    step_error: (event) =>
      frame(event, 'step_complete', {
        id: event.stepId,
        name: event.stepName,
        stepType: event.stepType,
        success: false,
        error: event.error.message,
        durationMs: event.durationMs,
        completedAt: event.at,
        stopReason: 'error',
      }),
    // The widget reassembles media_start / media_delta / media_complete; a complete part fits in one frame.
    media: (event) =>
      frame(event, 'media_complete', {
        id: `media_${event.toolCallId}_${event.mediaIndex}`,
        toolCallId: event.toolCallId,
        role: 'assistant',
        mediaType: event.part.mediaType ?? 'image',
        ...(event.part.type === 'media' ? { data: event.part.data } : { url: event.part.url }),
      }),
    step_skip: (event) =>
      frame(event, 'step_skip', {
        ...stepFields(event),
        totalSteps: event.totalSteps,
        when: event.when,
        skippedAt: event.at,
      }),
    flow_complete: (event) =>
      frame(event, 'execution_complete', {
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
      }),
    flow_error: (event) =>
      frame(event, 'execution_error', {
        kind: 'flow',
        error: { code: event.error.code, message: event.error.message },
        code: event.error.code,
        completedAt: event.at,
        stopReason: event.cancelled ? 'cancelled' : 'error',
      }),
    tool_start: (event) =>
      frame(event, 'tool_start', {
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        toolType: event.toolType,
        stepId: event.stepId,
        startedAt: event.at,
        ...originFields(event),
      }),
    tool_input_delta: (event) => frame(event, 'tool_input_delta', { toolCallId: event.toolCallId, delta: event.delta }),
    tool_input_complete: (event) =>
      frame(event, 'tool_input_complete', { toolCallId: event.toolCallId, toolName: event.toolName, parameters: event.parameters }),
    tool_complete: (event) =>
      frame(event, 'tool_complete', {
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        success: event.success,
        result: event.result,
        ...(event.error ? { error: event.error } : {}),
        executionTime: event.durationMs,
        toolCost: event.costUsd,
        stepId: event.stepId,
      }),
    await: (event) =>
      frame(event, 'await', {
        toolCallId: event.toolCallId,
        toolId: event.toolName,
        toolName: event.toolName,
        parameters: event.parameters,
        awaitedAt: event.at,
        awaitReason: event.awaitReason,
        stepId: event.stepId,
        ...originFields(event),
      }),
    approval_required: (event) =>
      frame(event, 'approval_start', {
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
      }),
    approval_complete: (event) =>
      frame(event, 'approval_complete', {
        approvalId: event.approvalId,
        decision: event.decision,
        resolvedBy: event.resolvedBy,
        completedAt: event.at,
      }),
    tool_result: () => null,
    flow_paused: (event) =>
      event.wait
        ? frame(event, 'await', {
            awaitReason: 'wait',
            stepId: event.wait.stepId,
            parameters: { wakeAt: event.wait.wakeAt },
            awaitedAt: event.at,
          })
        : null,
    tool_delta: (event) =>
      frame(event, 'tool_output_delta', { toolCallId: event.toolCallId, toolName: event.toolName, delta: event.delta }),
    reflection: (event) => frame(event, 'reflection', { reflection: event.reflection, iteration: event.iteration ?? 1 }),
    iteration_start: () => null,
    iteration_complete: () => null,
    turn_start: () => null,
    turn_complete: () => null,
  };
}

export function createUnifiedEncoder(context: EncoderContext): Encoder {
  return encoderFrom(unifiedHandlers(context));
}
