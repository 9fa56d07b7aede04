// The shapes of Flowrun's requests and answers (docs/api.md). Fields the server may add stay readable through
// the index signatures; what is listed is what the docs promise.

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  totalTokens?: number;
}

export interface RunError {
  code: string;
  message: string;
  stepId?: string;
}

export type ExecutionStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface Execution {
  id: string;
  status: ExecutionStatus;
  flowId: string | null;
  flowName: string;
  kind?: 'flow' | 'agent';
  parentExecutionId?: string | null;
  customerId?: string | null;
  tags?: string[];
  creditsUsed?: number;
  input?: unknown;
  output: Record<string, unknown> | null;
  finalOutput: unknown;
  usage: Usage | null;
  error: RunError | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  steps: Array<{
    index: number;
    stepId: string;
    stepType: string;
    status: string;
    result: unknown;
    error: RunError | null;
    usage?: Usage | null;
    startedAt?: string;
    durationMs?: number;
    toolCalls?: unknown;
  }>;
  [field: string]: unknown;
}

export interface Step {
  id?: string;
  name: string;
  type: string;
  config?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A `POST /v1/dispatch` body: a record and a flow (inline, stored by id, or an agent with messages) and options. */
export interface DispatchRequest {
  record?: { id?: string; name?: string; type?: string; metadata?: Record<string, unknown>; [field: string]: unknown };
  flow?: { id?: string; name?: string; steps?: Step[]; [field: string]: unknown };
  agent?: Record<string, unknown>;
  messages?: Array<{ role: string; content: unknown }>;
  inputs?: Record<string, unknown>;
  secrets?: Record<string, string>;
  clientTools?: Array<{ name: string; description?: string; parametersSchema?: Record<string, unknown> }>;
  options?: { flowMode?: string; recordMode?: string; modelOverride?: string; [option: string]: unknown };
  [field: string]: unknown;
}

/** The non-streaming answer of a dispatch (`streamResponse: false`). */
export interface DispatchResult {
  success: boolean;
  status: ExecutionStatus;
  executionId: string;
  flowId: string | null;
  finalOutput: unknown;
  output: Record<string, unknown>;
  usage: Usage;
  error: RunError | null;
  pendingToolCalls?: Array<{ toolCallId: string; toolName: string; parameters: unknown }>;
  pendingApprovals?: Array<{ approvalId: string; kind: string; toolName?: string; description: string }>;
  [field: string]: unknown;
}

export interface Page<T> {
  data: T[];
  pagination?: { limit: number; offset: number; total: number; hasMore: boolean };
}

export interface ApprovalDecision {
  executionId: string;
  approvalId: string;
  decision: 'approved' | 'denied';
  reason?: string;
}

/** A PromptShuttle run request (`POST /api/v1/flows/{flowId}/runs`). */
export interface ShuttleRunRequest {
  parameters?: Record<string, unknown>;
  environment?: string;
  versionId?: string;
  overrideModel?: string;
  tags?: string[];
  [field: string]: unknown;
}

/** A PromptShuttle run's answer (docs/api.md): `id` is the run (execution) id, each model call in `responses`. */
export interface ShuttleRun {
  id: string;
  flowId: string;
  creditsUsed: number;
  milliseconds: number;
  usage: { creditsUsed: number; creditsLeft: number; tokensIn: number; tokensOut: number; costUsd: number; [field: string]: unknown };
  responses: Array<{
    model: string;
    provider: string;
    textResponse: string;
    status: string;
    finishReason: string;
    [field: string]: unknown;
  }>;
  warnings: string[];
  cached: boolean;
  structuredResponse?: unknown;
  [field: string]: unknown;
}

export interface ApiKey {
  id: string;
  name: string | null;
  prefix: string;
  mode: 'test' | 'live';
  createdAt: string;
  revokedAt: string | null;
  /** The key's own limits as asked for (null: the tenant's ceiling). */
  rateLimitPerMinute: number | null;
  maxRunsInFlight: number | null;
  /** The limits that apply to the key now: its own held to the operator's ceiling, and its tenant's keys together (0: none). */
  limits: { rateLimitPerMinute: number; maxRunsInFlight: number; tenantRateLimitPerMinute: number; tenantMaxRunsInFlight: number };
}

export interface Model {
  id: string;
  provider: string;
  pricing: { inputPerMillionTokensUsd: number; outputPerMillionTokensUsd: number } | null;
}

export interface LedgerEntry {
  id: string;
  /** Credits added (positive) or spent (negative); 1,000,000 credits = 1 USD. */
  delta: number;
  balanceAfter: number;
  reason: string;
  executionId: string | null;
  createdAt: string;
}

export interface UsageQuery {
  from?: string;
  to?: string;
  groupBy?: 'customer' | 'tag' | 'flow' | 'model';
  flowId?: string;
  customerId?: string;
  /** Totals per hour or day (UTC) as well: each entry then carries its `period`. */
  interval?: 'hour' | 'day';
}

export interface UsageEntry {
  key: string;
  period?: string;
  runs: number;
  creditsUsed: number;
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
  reasoningTokens: number;
}

export interface UsageStatistics {
  from: string | null;
  to: string | null;
  groupBy: 'customer' | 'tag' | 'flow' | 'model';
  interval?: 'hour' | 'day';
  data: UsageEntry[];
}

export interface ToolTestResult {
  ok: boolean;
  result: unknown;
  error: { code: string; message: string } | null;
  logs: string[];
  durationMs: number;
}

export interface StepTypeInfo {
  type: string;
  configSchema: Record<string, unknown>;
  branches: string[];
  producesOutput: boolean;
}

/** A kind of tool the server runs (`GET /v1/tool-types`). */
export interface ToolTypeInfo {
  type: string;
  /** Whether a tool of this type can be saved or given inline (a built-in one is only referenced). */
  definable: boolean;
  /** Whether the dashboard's tool editor offers it. */
  editable: boolean;
  /** Whether `tools.test` runs it. */
  testable: boolean;
}
