import type { IgnoredField } from '../protocol/ignored-fields.js';
import type { ChatMessage, FlowDefinition, Step } from '../protocol/flow.js';
import type { ApprovalDecision, StepRef, StopReason } from '../protocol/execution-event.js';
import type { RecordData } from '../protocol/record.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Usage } from '../protocol/usage.js';
import type { AssetPort } from './asset-port.js';
import type {
  CheckpointStore,
  Clock,
  EventSink,
  Ids,
  MessageSender,
  ModelGateway,
  RecordStore,
  ResolvedTool,
  ToolRunner,
} from './ports.js';
import type { LoopState, PendingApproval, PendingToolCall, ToolCallRecord, TurnRecord } from './tool-loop-state.js';

export type { ToolCallRecord };

export interface EngineDeps {
  models: ModelGateway;
  clock: Clock;
  ids: Ids;
  events: EventSink;
  checkpoints: CheckpointStore;
  tools: ToolRunner;
  records: RecordStore;
  /** Email and SMS for `send-email` / `send-text`; absent (the engine's tests), those steps fail as not configured. */
  messages?: MessageSender;
  /** Stored files (asset steps); a process without one fails those steps with ASSET_STORAGE_ERROR. */
  assets?: AssetPort;
}

/** Where a paused run picks up: the steps already done, the variables after them, and the paused tool loop. */
export interface ResumeState {
  completedStepIds: string[];
  variables: Record<string, unknown>;
  stepsRun: number;
  pausedStepId: string;
  loop: LoopState | null;
  pending: PendingToolCall[];
  /** Outputs for the pending calls, by tool-call id. */
  toolOutputs: Record<string, unknown>;
  /** Approvals the pause waited for, and their decisions. */
  approvals?: PendingApproval[];
  decisions?: Record<string, { decision: ApprovalDecision; reason?: string; resolvedBy: 'user' | 'system' }>;
  /** Messages the client appended to the conversation when resuming. */
  messages: ChatMessage[];
  usage: Usage;
  counters: { successful: number; failed: number; skipped: number };
  /** The run's final output so far (the last output-producing step's result): a run resumed after its last step still answers with it. */
  finalOutput?: unknown;
}

export interface RunFlowRequest {
  executionId: string;
  flow: FlowDefinition;
  record: RecordData;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  messages: ChatMessage[];
  /** `strictVariables`: a `{{name}}` that names nothing in reach fails its step instead of being a warning. */
  options: {
    modelOverride?: string;
    autoAppendMetadata?: boolean;
    strictVariables?: boolean;
    /** Documented fields the request set that Flowrun does not act on: each a warning when the run starts. */
    ignoredFields?: IgnoredField[];
  };
  /** `standalone` for virtual flows, `api` for stored ones; shown in flow_start's executionContext. */
  source: string;
  startedAt: number;
  /** Saved tools the flow names, by id and by name. */
  tools: Record<string, ResolvedTool>;
  /** Tools the client runs itself (`clientTools`): calling one pauses the run. */
  clientTools: ResolvedTool[];
  /** How deep in flow-tool / sub-agent nesting this run is (0 for a dispatched run). */
  depth: number;
  /** Whose run this is; tools that run stored flows stay within it. */
  scope: TenantScope;
  /** An agent run reports its loop's stop reason and turns on completion. */
  kind?: 'flow' | 'agent';
  resume?: ResumeState;
}

/** What one step produced. `result` becomes the step's output variable. */
export interface StepResult {
  result: unknown;
  usage?: Usage;
  model?: string;
  processedPrompt?: string;
  stopReason?: StopReason;
  unresolved: string[];
  toolCalls?: ToolCallRecord[];
  /** For steps with a tool loop: how it ended and how many model turns it took. */
  loop?: { stopReason: 'end_turn' | 'max_turns' | 'max_cost'; turns: number };
  /** Every model call of the step, in order. */
  responses?: TurnRecord[];
}

export interface StepContext {
  deps: EngineDeps;
  request: RunFlowRequest;
  ref: StepRef;
  signal: AbortSignal;
  /** Template scope: inputs, variables, `_record`, `_flow`, `_execution`, `messages`, `secrets`. */
  scope(): Record<string, unknown>;
  /** Runs nested steps (conditional branches) with the same bookkeeping as top-level ones. */
  runSteps(steps: Step[]): Promise<void>;
  /**
   * Runs a loop's steps once more with `bindings` (the item, its index) set as variables: steps that ran in an
   * earlier pass run again. Answers the output of the last step of the pass that produced one (null if none).
   */
  runIteration(steps: Step[], bindings: Record<string, unknown>): Promise<unknown>;
  /** Set when this step is the one a resumed run paused in. */
  resume?: ResumeState;
  /**
   * Called by a runner once its templates are rendered and before it acts on them, with the names that rendered
   * as nothing: throws UNRESOLVED_VARIABLE when the run is strict (`options.strictVariables`) and one names nothing
   * in reach; otherwise does nothing (the run reports them as warnings when the step completes).
   */
  checkVariables(unresolved: string[]): void;
}

export type StepRunner<S extends Step> = (step: S, context: StepContext) => Promise<StepResult>;
