import type { ChatMessage, FlowDefinition, Step } from '../protocol/flow.js';
import type { StepRef, StopReason } from '../protocol/execution-event.js';
import type { RecordData } from '../protocol/record.js';
import type { Usage } from '../protocol/usage.js';
import type { CheckpointStore, Clock, EventSink, Ids, ModelGateway } from './ports.js';

export interface EngineDeps {
  models: ModelGateway;
  clock: Clock;
  ids: Ids;
  events: EventSink;
  checkpoints: CheckpointStore;
}

export interface RunFlowRequest {
  executionId: string;
  flow: FlowDefinition;
  record: RecordData;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  messages: ChatMessage[];
  options: { modelOverride?: string; autoAppendMetadata?: boolean };
  /** `standalone` for virtual flows, `api` for stored ones; shown in flow_start's executionContext. */
  source: string;
  startedAt: number;
}

/** What one step produced. `result` becomes the step's output variable. */
export interface StepResult {
  result: unknown;
  usage?: Usage;
  model?: string;
  processedPrompt?: string;
  stopReason?: StopReason;
  unresolved: string[];
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
}

export type StepRunner<S extends Step> = (step: S, context: StepContext) => Promise<StepResult>;
