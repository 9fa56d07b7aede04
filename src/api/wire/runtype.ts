import { totalTokens } from '../../protocol/usage.js';
import { encoderFrom, outputText, type Encoder, type EncoderContext, type EventHandlers } from './dialect.js';
import { originFields, runtypeToolType, stampedFramer, stepFields } from './frame.js';
import type { RuntypeFrameFields } from './frame-types.js';
import { sharedRuntypeHandlers } from './runtype-shared.js';

const frame = stampedFramer<RuntypeFrameFields>();

/** The frames of Runtype's legacy vocabulary (each is a member of `DispatchSSEEvent`; the golden test validates them). */
export type RuntypeFrameName = keyof RuntypeFrameFields & string;

/** Runtype legacy frames: each validates against `DispatchSSEEvent` of Runtype's OpenAPI document. */
export function runtypeHandlers(context: EncoderContext): EventHandlers<RuntypeFrameName> {
  return {
    // Warnings, sources, artifacts and fallbacks: the same frames in Runtype's legacy and unified vocabularies.
    ...sharedRuntypeHandlers,
    flow_start: (event) =>
      frame(event, 'flow_start', {
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
      }),
    step_start: (event) =>
      frame(event, 'step_start', {
        ...stepFields(event),
        totalSteps: event.totalSteps,
        startedAt: event.at,
        ...(event.outputVariable ? { outputVariable: event.outputVariable } : {}),
      }),
    step_delta: (event) => frame(event, 'step_delta', { id: event.stepId, text: event.text, delta: event.text, partId: event.partId }),
    reasoning_start: (event) => frame(event, 'reason_start', { id: event.stepId, stepId: event.stepId }),
    reasoning_delta: (event) => frame(event, 'reason_delta', { id: event.stepId, text: event.text, delta: event.text }),
    reasoning_end: (event) => frame(event, 'reason_complete', { id: event.stepId, stepId: event.stepId }),
    step_complete: (event) =>
      frame(event, 'step_complete', {
        ...stepFields(event),
        success: true,
        result: event.result,
        durationMs: event.durationMs,
        executionTime: event.durationMs,
        completedAt: event.at,
        ...(event.usage ? { tokensUsed: totalTokens(event.usage), cost: event.usage.costUsd } : {}),
        ...(event.stopReason ? { stopReason: event.stopReason } : {}),
        unresolvedVariables: event.unresolvedVariables,
      }),
    step_error: (event) =>
      frame(event, 'step_error', {
        ...stepFields(event),
        error: event.error.message,
        code: event.error.code,
        executionTime: event.durationMs,
      }),
    // Runtype's only media frame; its flows use it too.
    media: (event) =>
      frame(event, 'agent_media', {
        iteration: event.iteration ?? 1,
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        media: [event.part],
      }),
    step_skip: (event) =>
      frame(event, 'step_skip', {
        ...stepFields(event),
        totalSteps: event.totalSteps,
        when: event.when,
        skippedAt: event.at,
      }),
    flow_complete: (event) =>
      frame(event, 'flow_complete', {
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
      }),
    flow_error: (event) =>
      frame(event, 'flow_error', {
        flowId: context.flowId ?? undefined,
        error: { code: event.error.code, message: event.error.message, ...(event.error.stepId ? { stepId: event.error.stepId } : {}) },
        code: event.error.code,
        executionTime: event.durationMs,
        timestamp: event.at,
      }),
    tool_start: (event) =>
      frame(event, 'tool_start', {
        toolType: runtypeToolType(event.toolType),
        toolCallId: event.toolCallId,
        toolId: event.toolId,
        toolName: event.toolName,
        name: event.toolName,
        stepId: event.stepId,
        startedAt: event.at,
        ...originFields(event),
      }),
    tool_input_delta: (event) =>
      frame(event, 'tool_input_delta', { delta: event.delta, toolCallId: event.toolCallId, stepId: event.stepId }),
    tool_input_complete: (event) =>
      frame(event, 'tool_input_complete', {
        parameters: event.parameters,
        toolCallId: event.toolCallId,
        toolId: event.toolId,
        toolName: event.toolName,
        stepId: event.stepId,
      }),
    tool_delta: (event) =>
      frame(event, 'tool_delta', { toolId: event.toolCallId, toolCallId: event.toolCallId, delta: event.delta, stepId: event.stepId }),
    // A tool that failed ends with Runtype's tool_error; one that worked with tool_complete.
    tool_complete: (event) =>
      event.success
        ? frame(event, 'tool_complete', {
            success: event.success,
            toolCallId: event.toolCallId,
            toolId: event.toolId,
            toolName: event.toolName,
            name: event.toolName,
            result: event.result,
            executionTime: event.durationMs,
            toolCost: event.costUsd,
            completedAt: event.at,
            stepId: event.stepId,
          })
        : frame(event, 'tool_error', {
            toolId: event.toolCallId,
            name: event.toolName,
            error: event.error ?? 'the tool failed',
            executionTime: event.durationMs,
            failedAt: event.at,
            toolCallId: event.toolCallId,
            stepId: event.stepId,
          }),
    await: (event) =>
      frame(event, 'step_await', {
        awaitReason: event.awaitReason,
        id: event.stepId,
        stepId: event.stepId,
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        parameters: event.parameters,
        awaitedAt: event.at,
        ...originFields(event),
      }),
    flow_paused: (event) => {
      // A wait-until pause: Runtype documents no frame for it; a step_await says what is awaited, and until when.
      if (event.wait)
        return frame(event, 'step_await', {
          awaitReason: 'wait',
          id: event.wait.stepId,
          stepId: event.wait.stepId,
          parameters: { wakeAt: event.wait.wakeAt },
          awaitedAt: event.at,
        });
      const first = event.pendingToolCalls[0];
      if (!first) return null; // an approval pause already said so with step_await
      return frame(event, 'flow_await', {
        flowId: context.flowId ?? '',
        awaitedAt: event.at,
        ...(first ? { toolCallId: first.toolCallId, toolName: first.toolName, parameters: first.parameters, ...originFields(first) } : {}),
      });
    },
    approval_required: (event) =>
      frame(event, 'step_await', {
        awaitReason: 'approval_required',
        approvalId: event.approvalId,
        id: event.stepId,
        stepId: event.stepId,
        description: event.description,
        ...(event.toolCallId ? { toolCallId: event.toolCallId, toolName: event.toolName, parameters: event.parameters } : {}),
        ...(event.reason ? { reason: event.reason } : {}),
        ...(event.timeoutMs ? { timeout: event.timeoutMs } : {}),
        awaitedAt: event.at,
      }),
    approval_complete: (event) =>
      frame(event, 'agent_approval_complete', {
        approvalId: event.approvalId,
        decision: event.decision,
        completedAt: event.at,
        resolvedBy: event.resolvedBy,
      }),
    tool_result: () => null,
    reflection: () => null,
    // Iterations are an agent's (agent_iteration_*); a flow's prompt step streams its turns as step frames.
    iteration_start: () => null,
    iteration_complete: () => null,
    text_start: (event) => frame(event, 'text_start', { id: event.partId, stepId: event.stepId }),
    text_end: (event) => frame(event, 'text_end', { id: event.partId, stepId: event.stepId }),
    // Runtype's vocabulary has no custom event: a step_delta with no text (a text client appends nothing) carries it.
    custom_event: (event) =>
      frame(event, 'step_delta', {
        id: event.stepId,
        text: '',
        delta: '',
        contentType: 'event',
        eventType: event.eventType,
        payload: event.payload,
      }),
    turn_start: () => null,
    turn_complete: () => null,
  };
}

export function createRuntypeEncoder(context: EncoderContext): Encoder {
  return encoderFrom(runtypeHandlers(context));
}
