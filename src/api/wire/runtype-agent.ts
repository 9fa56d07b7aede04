import type { ExecutionEvent } from '../../protocol/execution-event.js';
import { totalTokens } from '../../protocol/usage.js';
import { encoderFrom, outputText, type Encoder, type EncoderContext } from './dialect.js';
import { originFields, runtypeToolType, stampedFramer } from './frame.js';
import type { RuntypeFrameFields } from './frame-types.js';
import { runtypeHandlers } from './runtype.js';

const frame = stampedFramer<RuntypeFrameFields>();

function iterationOf(event: ExecutionEvent): number {
  return 'iteration' in event && event.iteration !== undefined ? event.iteration : 1;
}

/**
 * Runtype legacy frames of an agent run: the flow handlers, with `agent_start` … `agent_complete` instead of
 * the flow and step frames; each valid against `DispatchSSEEvent`.
 */
export function createRuntypeAgentEncoder(context: EncoderContext & { agent: NonNullable<EncoderContext['agent']> }): Encoder {
  const { agent } = context;
  return encoderFrom({
    ...runtypeHandlers(context),
    flow_start: (event) =>
      frame(event, 'agent_start', {
        agentId: agent.id,
        agentName: agent.name,
        maxTurns: agent.maxTurns,
        startedAt: event.at,
        ...(agent.model ? { config: { model: agent.model } } : {}),
      }),
    tool_delta: (event) =>
      frame(event, 'agent_tool_delta', { iteration: iterationOf(event), toolCallId: event.toolCallId, delta: event.delta }),
    reflection: (event) => frame(event, 'agent_reflection', { iteration: iterationOf(event), reflection: event.reflection }),
    iteration_start: (event) =>
      frame(event, 'agent_iteration_start', {
        iteration: iterationOf(event),
        maxTurns: event.maxTurns || agent.maxTurns,
        startedAt: event.at,
        totalCost: event.totalCostUsd,
      }),
    iteration_complete: (event) =>
      frame(event, 'agent_iteration_complete', {
        iteration: iterationOf(event),
        completedAt: event.at,
        toolCallsMade: event.toolCallsMade,
        stopConditionMet: event.stopConditionMet,
        cost: event.costUsd,
        runningTotalCost: event.runningCostUsd,
        tokens: event.tokens,
        output: event.output,
        duration: event.durationMs,
      }),
    turn_start: (event) =>
      frame(event, 'agent_turn_start', {
        iteration: iterationOf(event),
        turnId: event.turnId,
        turnIndex: event.turnIndex,
        role: 'assistant',
      }),
    step_delta: (event) =>
      frame(event, 'agent_turn_delta', {
        iteration: iterationOf(event),
        turnId: event.partId,
        delta: event.text,
        contentType: 'text',
      }),
    reasoning_delta: (event) =>
      frame(event, 'agent_turn_delta', {
        iteration: iterationOf(event),
        turnId: event.partId.replace(/_reasoning$/, ''),
        delta: event.text,
        contentType: 'thinking',
      }),
    turn_complete: (event) =>
      frame(event, 'agent_turn_complete', {
        iteration: iterationOf(event),
        turnId: event.turnId,
        role: 'assistant',
        completedAt: event.at,
        content: event.content,
        tokens: { input: event.usage.inputTokens, output: event.usage.outputTokens },
        cost: event.usage.costUsd,
        stopReason: event.stopReason,
      }),
    tool_start: (event) =>
      frame(event, 'agent_tool_start', {
        iteration: iterationOf(event),
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        toolType: runtypeToolType(event.toolType),
        ...originFields(event),
      }),
    tool_input_delta: (event) =>
      frame(event, 'agent_tool_input_delta', { iteration: iterationOf(event), toolCallId: event.toolCallId, delta: event.delta }),
    tool_input_complete: (event) =>
      frame(event, 'agent_tool_input_complete', {
        iteration: iterationOf(event),
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        parameters: event.parameters,
      }),
    tool_complete: (event) =>
      frame(event, 'agent_tool_complete', {
        iteration: iterationOf(event),
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        success: event.success,
        result: event.result,
        executionTime: event.durationMs,
      }),
    await: (event) =>
      frame(event, 'agent_await', {
        toolId: event.toolName,
        toolName: event.toolName,
        awaitedAt: event.at,
        toolCallId: event.toolCallId,
        parameters: event.parameters,
        ...originFields(event),
      }),
    flow_complete: (event) =>
      frame(event, 'agent_complete', {
        agentId: agent.id,
        success: true,
        iterations: event.agent?.iterations ?? 1,
        stopReason: event.agent?.stopReason ?? 'complete',
        completedAt: event.at,
        duration: event.durationMs,
        finalOutput: outputText(event.finalOutput),
        totalCost: event.usage.costUsd,
        totalTokens: { input: event.usage.inputTokens, output: event.usage.outputTokens, total: totalTokens(event.usage) },
      }),
    flow_error: (event) =>
      frame(event, 'agent_error', { error: { code: event.error.code, message: event.error.message }, recoverable: false }),
    approval_required: (event) =>
      frame(event, 'agent_approval_start', {
        approvalId: event.approvalId,
        toolCallId: event.toolCallId ?? event.approvalId,
        toolName: event.toolName ?? event.stepName,
        toolType: event.toolType ?? 'approval',
        description: event.description,
        timeout: event.timeoutMs ?? 0,
        startedAt: event.at,
        iteration: iterationOf(event),
        ...(event.reason ? { reason: event.reason } : {}),
        ...(event.parameters ? { parameters: event.parameters } : {}),
      }),
    step_start: () => null,
    step_complete: () => null,
    step_error: () => null,
    step_skip: () => null,
    text_start: () => null,
    text_end: () => null,
    // An agent's reasoning streams as agent_turn_delta (contentType thinking): no separate block frames.
    reasoning_start: () => null,
    reasoning_end: () => null,
    tool_result: () => null,
    flow_paused: () => null,
  });
}
