import type { ChatMessage } from '../protocol/flow.js';
import type { ExecutionEvent, ExecutionEventBody } from '../protocol/execution-event.js';
import type { Usage } from '../protocol/usage.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Ids {
  /** A new unique, time-sortable id with the given prefix, e.g. `exec_01J…`. */
  next(prefix: string): string;
}

export interface ModelRequest {
  model: string;
  system?: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  reasoning?: { effort?: 'minimal' | 'low' | 'medium' | 'high'; budgetTokens?: number };
  responseFormat: 'text' | 'json';
  signal: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

export type ModelStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'finish'; usage: Usage; finishReason: FinishReason; provider: string; modelId: string };

export type ModelResolution =
  | { ok: true; provider: string; modelId: string }
  | { ok: false; reason: string };

export interface ModelGateway {
  /** Where `model` would be sent, without calling anything. Used to refuse unknown models before a run starts. */
  resolve(model: string): ModelResolution;
  /**
   * Streams one model call. Retryable provider failures (429, 5xx, network) are retried inside with bounded
   * backoff while nothing has been yielded yet. Throws FlowrunError (PROVIDER_ERROR, PROVIDER_TIMEOUT,
   * UNKNOWN_MODEL, CANCELLED); yields exactly one `finish` part last on success.
   */
  stream(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}

/** Where the engine sends what happens. */
export interface EventSink {
  /** Stamps seq and time, hands the event to live listeners at once and queues it for group commit. Never throws. */
  emit(event: ExecutionEventBody): ExecutionEvent;
}

export interface StepCheckpoint {
  stepId: string;
  stepIndex: number;
  stepType: string;
  status: 'completed' | 'failed' | 'skipped';
  result: unknown;
  error: { code: string; message: string } | null;
  usage: Usage | null;
  startedAt: number;
  durationMs: number;
  variables: Record<string, unknown>;
}

export interface CheckpointStore {
  /** Commits a step's result and the run's variables; resolves only once durable. Steps are saved in order. */
  saveStep(executionId: string, checkpoint: StepCheckpoint): Promise<void>;
}
