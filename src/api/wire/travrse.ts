import type { StepRef } from '../../protocol/execution-event.js';
import { totalTokens } from '../../protocol/usage.js';
import { encoderFrom, outputText, type Encoder, type EncoderContext, type EventHandlers } from './dialect.js';
import { originFields, plainFramer } from './frame.js';
import type { TravrseFrameFields } from './frame-types.js';

const frame = plainFramer<TravrseFrameFields>();

/** The step fields of Travrse's `step_chunk` frames (text and tool chunks alike). */
function chunkFields(event: StepRef) {
  return { id: event.stepId, stepId: event.stepId, name: event.stepName, executionType: event.stepType };
}

/** The frames of Travrse's vocabulary. */
export type TravrseFrameName = keyof TravrseFrameFields & string;

/** Travrse frames: the fields of seed 000 and of the captured Travrse stream, together. */
export function travrseHandlers(context: EncoderContext): EventHandlers<TravrseFrameName> {
  return {
    flow_start: (event) =>
      frame(event, 'flow_start', {
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
      }),
    step_start: (event) =>
      frame(event, 'step_start', {
        id: event.stepId,
        stepId: event.stepId,
        name: event.stepName,
        stepName: event.stepName,
        stepType: event.stepType,
        index: event.index,
        totalSteps: event.totalSteps,
        startedAt: event.at,
      }),
    step_delta: (event) =>
      frame(event, 'step_chunk', {
        ...chunkFields(event),
        index: event.chunkIndex,
        text: event.text,
        content: event.text,
        isComplete: false,
      }),
    tool_delta: () => null,
    // Like the seed's tool frames: a step_chunk whose data says what it is (`type: "custom_event"`).
    custom_event: (event) =>
      frame(event, 'step_chunk', { ...chunkFields(event), eventType: event.eventType, payload: event.payload }, 'custom_event'),
    reflection: () => null,
    iteration_start: () => null,
    iteration_complete: () => null,
    reasoning_start: () => null,
    reasoning_end: () => null,
    reasoning_delta: (event) => frame(event, 'reason_chunk', { id: event.stepId, stepId: event.stepId, text: event.text }),
    step_complete: (event) =>
      frame(event, 'step_complete', {
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
      }),
    step_error: (event) =>
      frame(event, 'step_error', {
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
      }),
    // Flowrun's own frame (Runtype has none): what the run went without, e.g. an unreachable MCP server.
    warning: (event) =>
      frame(event, 'warning', {
        executionId: event.executionId,
        code: event.code,
        message: event.message,
        ...(event.setting ? { setting: event.setting } : {}),
        ...(event.stepId ? { stepId: event.stepId } : {}),
        timestamp: event.at,
      }),
    // Travrse's vocabulary has no artifact frames: the tool's result names the artifact.
    artifact_start: () => null,
    artifact_delta: () => null,
    artifact_update: () => null,
    artifact_complete: () => null,
    // Travrse's vocabulary has no source or media frames: the tool's result carries them.
    source: () => null,
    media: () => null,
    // Travrse's vocabulary has no fallback events: the step's outcome says how it ended.
    fallback_start: () => null,
    fallback_complete: () => null,
    fallback_exhausted: () => null,
    step_skip: (event) =>
      frame(event, 'step_skip', {
        id: event.stepId,
        stepId: event.stepId,
        name: event.stepName,
        stepType: event.stepType,
        index: event.index,
        reason: event.reason,
        when: event.when,
      }),
    flow_complete: (event) =>
      frame(event, 'flow_complete', {
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
      }),
    flow_error: (event) =>
      frame(event, 'flow_error', {
        executionId: event.executionId,
        flowId: context.flowId,
        success: false,
        status: event.cancelled ? 'cancelled' : 'failed',
        error: event.error.message,
        code: event.error.code,
        ...(event.error.stepId ? { step_id: event.error.stepId } : {}),
        executionTime: event.durationMs,
      }),
    tool_start: (event) =>
      frame(event, 'tool_start', {
        id: event.toolCallId,
        toolCallId: event.toolCallId,
        toolId: event.toolId,
        toolName: event.toolName,
        toolType: event.toolType,
        stepId: event.stepId,
      }),
    // The seed's tool frames: `event: step_chunk` whose data has `type: "tool_call"` / `"tool_result"`.
    tool_input_complete: (event) =>
      frame(
        event,
        'step_chunk',
        {
          ...chunkFields(event),
          toolCall: { toolId: event.toolId, toolName: event.toolName, toolCallId: event.toolCallId, args: event.parameters },
        },
        'tool_call',
      ),
    tool_result: (event) =>
      frame(
        event,
        'step_chunk',
        {
          ...chunkFields(event),
          toolResult: {
            toolId: event.toolId,
            toolName: event.toolName,
            toolCallId: event.toolCallId,
            result: event.result,
            success: event.success,
          },
        },
        'tool_result',
      ),
    tool_complete: (event) =>
      frame(event, 'tool_complete', {
        id: event.toolCallId,
        toolCallId: event.toolCallId,
        toolId: event.toolId,
        toolName: event.toolName,
        success: event.success,
        result: event.result,
        ...(event.error ? { error: event.error } : {}),
        duration: event.durationMs,
        cost: event.costUsd,
      }),
    await: (event) =>
      frame(event, 'tool_waiting_local', {
        executionId: event.executionId,
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        parameters: event.parameters,
        stepId: event.stepId,
        ...originFields(event),
      }),
    flow_paused: (event) =>
      frame(event, 'flow_paused', {
        executionId: event.executionId,
        flowId: context.flowId,
        reason: event.reason,
        pendingToolCalls: event.pendingToolCalls,
        ...(event.pendingApprovals?.length ? { pendingApprovals: event.pendingApprovals } : {}),
      }),
    approval_complete: (event) =>
      frame(event, 'approval_complete', {
        executionId: event.executionId,
        approvalId: event.approvalId,
        decision: event.decision,
        resolvedBy: event.resolvedBy,
      }),
    approval_required: () => null,
    tool_input_delta: () => null,
    text_start: () => null,
    text_end: () => null,
    turn_start: () => null,
    turn_complete: () => null,
  };
}

export function createTravrseEncoder(context: EncoderContext): Encoder {
  return encoderFrom(travrseHandlers(context));
}
