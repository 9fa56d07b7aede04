import type { ErrorCode } from './errors.js';
import type { Usage } from './usage.js';

/**
 * The one internal event union. The engine emits bodies; the event sink stamps
 * `executionId`, `seq` (gap-free from 1) and `at` (ISO time). Wire adapters map
 * each member to the caller's dialect.
 */
export interface StepRef {
  /** The agent-loop iteration (model turn, 1-based) an event belongs to, when it comes from a tool loop. */
  iteration?: number;
  stepId: string;
  stepName: string;
  stepType: string;
  /** 1-based position among the steps run so far (nested steps count too). */
  index: number;
  totalSteps: number;
}

/** Something a person must decide before the run goes on: a tool call, or an `approval` step. */
export interface ApprovalRequest {
  approvalId: string;
  /** `wait`: a `wait-until` step's wake-up, an approval only the clock decides (never listed, never approvable). */
  kind: 'tool' | 'step' | 'wait';
  toolCallId?: string;
  toolName?: string;
  toolType?: string;
  parameters?: Record<string, unknown>;
  description: string;
  reason?: string;
  timeoutMs?: number;
}

export interface EventError {
  code: ErrorCode;
  message: string;
  stepId?: string;
}

export type ExecutionEventBody =
  | {
      type: 'flow_start';
      flowId: string | null;
      flowName: string;
      flowVersionId: string | null;
      totalSteps: number;
      record: { id: string | null; name: string; type: string; created: boolean };
      source: string;
      resumed?: boolean;
    }
  | ({ type: 'step_start'; outputVariable?: string } & StepRef)
  | ({ type: 'text_start'; partId: string } & StepRef)
  | ({ type: 'step_delta'; partId: string; text: string; chunkIndex: number } & StepRef)
  | ({ type: 'text_end'; partId: string; text: string } & StepRef)
  | ({ type: 'reasoning_start'; partId: string } & StepRef)
  | ({ type: 'reasoning_delta'; partId: string; text: string } & StepRef)
  | ({ type: 'reasoning_end'; partId: string } & StepRef)
  | ({
      type: 'step_complete';
      result: unknown;
      durationMs: number;
      usage: Usage | null;
      model?: string;
      processedPrompt?: string;
      stopReason?: StopReason;
      unresolvedVariables: string[];
    } & StepRef)
  | ({ type: 'step_error'; error: EventError; durationMs: number; continued: boolean } & StepRef)
  /** A page a tool's result draws on (a web search result, a fetched page). */
  | ({ type: 'source'; toolCallId: string; toolName: string; url: string; title: string; snippet?: string } & StepRef)
  /** Media a tool made (a generated image), for the client. */
  | ({
      type: 'media';
      toolCallId: string;
      toolName: string;
      /** Which of the call's media this is (a call may make several). */
      mediaIndex: number;
      part: { type: 'media'; data: string; mediaType: string } | { type: 'image-url'; url: string; mediaType?: string };
    } & StepRef)
  /** An artifact a `create_artifact` call makes: opened, its markdown streamed, its component's props, closed. */
  | ({
      type: 'artifact_start';
      artifactId: string;
      artifactType: 'markdown' | 'component';
      title: string;
      component?: string;
      toolCallId: string;
    } & StepRef)
  | ({ type: 'artifact_delta'; artifactId: string; delta: string } & StepRef)
  | ({ type: 'artifact_update'; artifactId: string; component: string; props: Record<string, unknown> } & StepRef)
  | ({ type: 'artifact_complete'; artifactId: string } & StepRef)
  /** An agent's assessment of its progress between iterations (loopConfig.enableReflection). */
  | ({ type: 'reflection'; reflection: string } & StepRef)
  /** A `send-event` step's custom event, for downstream consumers: its type and payload, recorded with the run. */
  | ({ type: 'custom_event'; eventType: string; payload: unknown } & StepRef)
  /** One iteration of a tool loop (a model turn and its tools), with the loop's running cost. */
  | ({ type: 'iteration_start'; maxTurns: number; totalCostUsd: number } & StepRef)
  | ({
      type: 'iteration_complete';
      toolCallsMade: number;
      stopConditionMet: boolean;
      costUsd: number;
      runningCostUsd: number;
      tokens: { input: number; output: number };
      output: string;
      durationMs: number;
    } & StepRef)
  /**
   * Something the run did without (an MCP server it could not reach, a built-in tool that is not configured), a
   * `{{variable}}` that rendered as nothing, a config key no step reads; `suggestion` is the name probably meant.
   */
  | ({
      type: 'warning';
      code: string;
      message: string;
      setting?: string;
      variable?: string;
      field?: string;
      suggestion?: string;
    } & Partial<StepRef>)
  /** A step (errorHandling fallbacks) or a model call (fallback models) moves on to its next fallback. */
  | ({
      type: 'fallback_start';
      fallbackIndex: number;
      fallbackType: 'retry' | 'model' | 'message';
      model?: string;
      reason: string;
    } & StepRef)
  | ({ type: 'fallback_complete'; fallbackIndex: number; fallbackType: 'retry' | 'model' | 'message'; model?: string } & StepRef)
  | ({ type: 'fallback_exhausted'; attempts: number; error: EventError } & StepRef)
  | ({ type: 'step_skip'; when: string; reason: 'disabled' | 'condition_false' } & StepRef)
  | {
      type: 'flow_complete';
      durationMs: number;
      totalSteps: number;
      successfulSteps: number;
      failedSteps: number;
      skippedSteps: number;
      finalOutput: unknown;
      output: Record<string, unknown>;
      usage: Usage;
      /** Set for agent runs: how the loop ended and how many model turns it took. */
      agent?: { stopReason: AgentStopReason; iterations: number };
    }
  | { type: 'flow_error'; error: EventError; durationMs: number; usage: Usage; cancelled?: boolean }
  | ({
      type: 'tool_start';
      toolCallId: string;
      toolName: string;
      toolType: string;
      toolId: string;
      /** A client tool's origin (`webmcp` page tool, `sdk`) and the page it runs on. */
      origin?: string;
      pageOrigin?: string;
    } & StepRef)
  | ({ type: 'tool_input_delta'; toolCallId: string; delta: string } & StepRef)
  | ({ type: 'tool_input_complete'; toolCallId: string; toolName: string; toolId: string; parameters: Record<string, unknown> } & StepRef)
  | ({ type: 'tool_delta'; toolCallId: string; toolName: string; delta: string } & StepRef)
  | ({ type: 'tool_result'; toolCallId: string; toolName: string; toolId: string; result: unknown; success: boolean } & StepRef)
  | ({
      type: 'tool_complete';
      toolCallId: string;
      toolName: string;
      toolType: string;
      toolId: string;
      success: boolean;
      result: unknown;
      error?: string;
      durationMs: number;
      costUsd: number;
      logs?: string[];
    } & StepRef)
  | ({
      type: 'await';
      awaitReason: 'local_tool_required';
      toolCallId: string;
      toolName: string;
      parameters: Record<string, unknown>;
      origin?: string;
      pageOrigin?: string;
    } & StepRef)
  | ({ type: 'turn_start'; turnId: string; turnIndex: number } & StepRef)
  | ({
      type: 'turn_complete';
      turnId: string;
      turnIndex: number;
      content: string;
      usage: Usage;
      stopReason: StopReason;
      toolCalls: number;
    } & StepRef)
  | ({ type: 'approval_required' } & ApprovalRequest & StepRef)
  | { type: 'approval_complete'; approvalId: string; decision: ApprovalDecision; resolvedBy: 'user' | 'system'; reason?: string }
  | {
      type: 'flow_paused';
      reason: 'local_tool_required' | 'approval_required' | 'wait';
      /** A `wait-until` pause: the waiting step and when it wakes (ISO time). */
      wait?: { stepId: string; wakeAt: string };
      pendingToolCalls: Array<{
        toolCallId: string;
        toolName: string;
        parameters: Record<string, unknown>;
        origin?: string;
        pageOrigin?: string;
      }>;
      pendingApprovals?: string[];
    };

export type ApprovalDecision = 'approved' | 'denied' | 'timeout';

export type StopReason = 'end_turn' | 'max_tool_calls' | 'length' | 'content_filter' | 'error' | 'unknown';

/** Why an agent stopped (Runtype's `agent_complete.stopReason`). */
export type AgentStopReason = 'complete' | 'end_turn' | 'max_turns' | 'max_cost' | 'timeout' | 'error';

export type ExecutionEventType = ExecutionEventBody['type'];

export type ExecutionEvent = ExecutionEventBody & { executionId: string; seq: number; at: string };

const streamedDeltaTypes = new Set(['step_delta', 'reasoning_delta', 'tool_input_delta']);

/** A piece of streamed text (answer, reasoning, tool arguments): many per step, one per token. */
export function isStreamedDelta(event: { type: string }): boolean {
  return streamedDeltaTypes.has(event.type);
}

/** The last event of a stream: the run ended, or paused and holds no connection until resumed. */
export function isTerminalEvent(event: { type: string }): boolean {
  return event.type === 'flow_complete' || event.type === 'flow_error' || event.type === 'flow_paused';
}
