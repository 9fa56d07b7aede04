import type { ApprovalRequest } from '../protocol/execution-event.js';
import type { Usage } from '../protocol/usage.js';
import type { ModelMessage, ToolCallRecord } from './ports.js';

export type { ToolCallRecord } from './ports.js';

/** One model call of a step: what PromptShuttle's run response lists in `responses`. */
export interface TurnRecord {
  model: string;
  provider: string;
  text: string;
  finishReason: string;
  usage: Usage;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
}

/** The serializable state of a prompt step's tool loop: what a paused run stores and a resumed one restores. */
export interface LoopState {
  messages: ModelMessage[];
  toolCallsMade: number;
  perTool: Record<string, number>;
  usage: Usage;
  turns: number;
  records: ToolCallRecord[];
  responses: TurnRecord[];
  /** Results of the server-side calls of the turn that paused, sent to the model with the client's outputs. */
  settled: SettledToolCall[];
}

/** A tool call's result as the model is sent it: run, refused, or answered by the client. */
export interface SettledToolCall {
  toolCallId: string;
  toolName: string;
  output: unknown;
  isError: boolean;
}

export interface PendingToolCall extends PageToolOrigin {
  toolCallId: string;
  toolName: string;
  parameters: Record<string, unknown>;
}

/** Where a client tool runs: `origin` `webmcp` is a page tool (WebMCP) of the page at `pageOrigin`; `sdk` a client SDK's. */
export interface PageToolOrigin {
  origin?: string;
  pageOrigin?: string;
}

/** A client tool's origin as its request declared it (kept in its config), for its calls and await events. */
export function pageToolOrigin(config: Record<string, unknown> | undefined): PageToolOrigin {
  return {
    ...(typeof config?.origin === 'string' ? { origin: config.origin } : {}),
    ...(typeof config?.pageOrigin === 'string' ? { pageOrigin: config.pageOrigin } : {}),
  };
}

/** An approval the run waits for, and what to do on denial: refuse the tool (the model is told), fail the step, or continue. */
export interface PendingApproval extends ApprovalRequest {
  onDenied: 'refuse' | 'fail' | 'continue';
}

/** Thrown by a step to pause the run; not an error. */
export class PauseRun extends Error {
  override readonly name = 'PauseRun';
  constructor(
    readonly stepId: string,
    readonly loop: LoopState | null,
    readonly pending: PendingToolCall[],
    readonly approvals: PendingApproval[] = [],
  ) {
    super(approvals.length > 0 ? 'paused for approval' : 'paused for client tool outputs');
  }

  static isInstance(value: unknown): value is PauseRun {
    return value instanceof PauseRun;
  }
}
