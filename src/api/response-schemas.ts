import { z } from 'zod';
import { RawStep } from '../protocol/flow.js';
import { toolKindNames } from '../protocol/tool-kinds.js';

// What the main routes answer, as /openapi.json describes it; test/openapi.test.ts holds real answers to these.

export const Usage = z.object({ inputTokens: z.number(), outputTokens: z.number(), reasoningTokens: z.number(), costUsd: z.number() });
export const RunError = z.object({ code: z.string(), message: z.string(), stepId: z.string().optional() }).loose();
export const Status = z.enum(['queued', 'running', 'paused', 'completed', 'failed', 'cancelled']);

/**
 * Something a run did without, or a value that went missing: an unreachable MCP server, a built-in tool that is not
 * configured (`setting`), a `{{variable}}` that named nothing in reach (`UNRESOLVED_VARIABLE`), a config key no step
 * reads (`UNKNOWN_CONFIG_KEY`, `field`); `suggestion` is the name probably meant.
 */
export const RunWarning = z.object({
  code: z.string(),
  message: z.string(),
  setting: z.string().optional().describe('the server setting that would make it available'),
  stepId: z.string().optional(),
  stepName: z.string().optional(),
  stepIndex: z.number().int().optional().describe("the step's index in `steps`"),
  variable: z.string().optional().describe('the template variable that rendered as nothing'),
  field: z.string().optional().describe('the config key that was ignored, e.g. `config.userPromt`'),
  suggestion: z.string().optional().describe('the name probably meant (the closest in reach)'),
});

/** A step of a run, as `GET /v1/executions/{id}` lists them. */
export const ExecutionStep = z.object({
  index: z.number().int(),
  toolCalls: z.unknown(),
  stepId: z.string(),
  stepType: z.string(),
  status: z
    .string()
    .describe('completed, failed or skipped; denied or timeout when its approval stopped it (the run: APPROVAL_DENIED, APPROVAL_TIMEOUT)'),
  result: z.unknown(),
  error: z.unknown(),
  usage: Usage.nullable(),
  startedAt: z.string(),
  completedAt: z.string().describe('when the step ended (completed, failed or skipped)'),
  durationMs: z.number(),
  warnings: z.array(RunWarning).describe("this step's warnings (also in the run's `warnings`)"),
});

export const Health = z.object({ status: z.literal('ok'), activeRuns: z.number().int() });

export const Execution = z.object({
  id: z.string(),
  kind: z.enum(['flow', 'agent']),
  agent: z.object({ id: z.string(), name: z.string(), maxTurns: z.number(), model: z.string().optional() }).nullable(),
  parentExecutionId: z.string().nullable(),
  parentToolCallId: z.string().nullable(),
  creditsUsed: z.number(),
  status: Status,
  flowId: z.string().nullable(),
  flowVersionId: z.string().nullable(),
  flowName: z.string(),
  recordId: z.string().nullable(),
  customerId: z.string().nullable().describe("the run's end customer (PromptShuttle's x-shuttle-customer-id)"),
  tags: z.array(z.string()),
  dialect: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  finalOutput: z.unknown(),
  usage: Usage.nullable(),
  error: RunError.nullable(),
  totalSteps: z.number().int(),
  eventCount: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  durationMs: z.number().nullable().describe("wall time from the run's start to its end, pauses included (null while it runs)"),
  steps: z.array(ExecutionStep).optional().describe('GET /v1/executions/{id} only'),
  warnings: z.array(RunWarning).optional().describe('GET /v1/executions/{id} only'),
});
/** `GET /v1/executions/{id}`: the run with its steps. */
export const ExecutionDetail = Execution.extend({ steps: z.array(ExecutionStep) });

export const ExecutionPage = z.object({
  data: z.array(Execution),
  pagination: z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int(), hasMore: z.boolean() }),
});

/** The non-streaming answer of a dispatch (`streamResponse: false`); with a stream, Server-Sent Events instead. */
export const DispatchResult = z
  .object({
    success: z.boolean(),
    status: Status,
    executionId: z.string(),
    execution_id: z.string(),
    flowId: z.string().nullable(),
    flowVersionId: z.string().nullable(),
    flowName: z.string(),
    recordId: z.string().nullable(),
    finalOutput: z.unknown(),
    output: z.record(z.string(), z.unknown()),
    steps: z.array(
      z.object({ id: z.string(), type: z.string(), index: z.number().int(), status: z.string(), warnings: z.array(RunWarning) }).loose(),
    ),
    usage: Usage.extend({ totalTokens: z.number() }),
    durationMs: z.number(),
    startedAt: z.string(),
    completedAt: z.string(),
    error: RunError.nullable(),
    warnings: z.array(RunWarning).describe('a missing {{variable}}, an ignored config key, a tool the run went without'),
    pendingToolCalls: z.array(z.unknown()).optional(),
    pendingApprovals: z.array(z.object({ approvalId: z.string(), kind: z.string(), description: z.string() }).loose()).optional(),
  })
  .loose()
  .describe('With streamResponse: false. With a stream (the default), text/event-stream in the chosen event vocabulary.');

export const Model = z.object({
  id: z.string(),
  object: z.literal('model'),
  owned_by: z.string(),
  provider: z.string(),
  pricing: z.object({ inputPerMillionTokensUsd: z.number(), outputPerMillionTokensUsd: z.number() }).nullable(),
});
export const ModelList = z.object({ object: z.literal('list'), data: z.array(Model) });

export const ApiKey = z.object({
  id: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  mode: z.enum(['test', 'live']),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  rateLimitPerMinute: z.number().int().nullable().describe("the key's own limit (null: the tenant's ceiling)"),
  maxRunsInFlight: z.number().int().nullable(),
  limits: z
    .object({
      rateLimitPerMinute: z.number().int(),
      maxRunsInFlight: z.number().int(),
      tenantRateLimitPerMinute: z.number().int(),
      tenantMaxRunsInFlight: z.number().int(),
    })
    .describe("the limits that apply to this key now: its own held to the ceiling, and its tenant's keys together (0: none)"),
});
export const ApiKeyList = z.object({ data: z.array(ApiKey) });
export const NewApiKey = ApiKey.extend({ key: z.string().describe('the full key: in this answer only') });
export const RevokedKey = z.object({ id: z.string(), revoked: z.boolean() });

/** A managed secret as every answer shows it: metadata only, never the value. */
export const SecretMetadata = z.object({
  id: z.string(),
  key: z.string(),
  description: z.string().nullable(),
  valuePreview: z.string().nullable().describe('the last characters of the value, masked (`••••abcd`)'),
  status: z.enum(['active', 'pending', 'revoked']),
  version: z.number().int(),
  lastRotatedAt: z.string().nullable(),
  phantomToken: z.string().nullable().describe('Runtype field; always null in Flowrun'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const SecretAnswer = z.object({ data: SecretMetadata });
export const SecretList = z.object({ data: z.array(SecretMetadata), total: z.number().int() });
export const SecretCheck = z.object({ found: z.array(z.string()), missing: z.array(z.string()), revoked: z.array(z.string()) });
export const DeletedSecret = z.object({ success: z.boolean(), deletedId: z.string(), referenceCount: z.number().int() });

/**
 * Response schemas of a route that answers through `reply` (a stream, or a JSON body sent by hand): they describe
 * the answer in /openapi.json (and test/openapi.test.ts holds real answers to them), but the type provider cannot
 * check the handler's return against them.
 */
export function describedResponses(responses: Record<number, z.ZodType | ContentResponse>): Record<number, z.ZodType | ContentResponse> {
  return responses;
}

/** An answer described per content type (a stream, a page, Prometheus text). */
export interface ContentResponse {
  description: string;
  content: Record<string, { schema: z.ZodType }>;
}

const frames = z
  .string()
  .describe('Server-Sent Events: `event: <type>`, `id: <seq>`, `data: <JSON with "type">`, a blank line; `: ping` comments');

/** A run's answer: its events as a stream, or (with `streamResponse: false`) one JSON document. */
export function runAnswer(json: z.ZodType, description: string): ContentResponse {
  return { description, content: { 'application/json': { schema: json }, 'text/event-stream': { schema: frames } } };
}

/** A stream of a run's events only. */
export function eventStream(description: string): ContentResponse {
  return { description, content: { 'text/event-stream': { schema: frames } } };
}

/** A non-JSON answer: a page, or Prometheus text. */
export function textAnswer(contentType: string, description: string): ContentResponse {
  return { description, content: { [contentType]: { schema: z.string() } } };
}

const Check = z.object({ ok: z.boolean(), error: z.string().optional() }).loose();
export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: Check.extend({ migrationsApplied: z.number().int().optional(), migrationsPending: z.array(z.string()).optional() }),
  redis: Check.optional(),
  /** The dependencies that do not answer (or, for the database, whose schema is behind), when not ready. */
  missing: z.array(z.enum(['database', 'redis'])).optional(),
});

export const Pagination = z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int(), hasMore: z.boolean() });

export const Tool = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  toolType: z.enum(toolKindNames),
  parametersSchema: z.record(z.string(), z.unknown()),
  config: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const ToolList = z.object({ data: z.array(Tool) });

/** An agent's definition as it was sent: the client types it as the request that saved it (`AgentRequest`). */
export const StoredAgentDefinition = z.record(z.string(), z.unknown()).describe('the agent as it was sent (Runtype’s shape)');
export const Agent = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  definition: StoredAgentDefinition,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const AgentList = z.object({ data: z.array(Agent) });

export const StoredRecord = z.object({
  id: z.string().nullable(),
  name: z.string(),
  type: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export const RecordPage = z.object({ data: z.array(StoredRecord), pagination: Pagination });

/** A 204: no body. */
export const NoContent = z.null().describe('no body');

export const FlowSummary = z.object({
  id: z.string(),
  slug: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  currentVersionId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const FlowList = z.object({ data: z.array(FlowSummary) });
export const FlowVersionInfo = z.object({
  id: z.string(),
  version: z.number().int(),
  locked: z.boolean(),
  createdAt: z.string(),
  environments: z.array(z.string()),
});
/** A flow version's content as stored: dispatch-style `steps`, PromptShuttle-style `templates` with an `entrypoint`, or both. */
export const FlowDefinition = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    steps: z.array(RawStep).optional(),
    templates: z.array(z.unknown()).optional(),
    entrypoint: z.string().optional(),
  })
  .loose();
export const FlowView = z.object({
  id: z.string(),
  slug: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable().optional(),
  currentVersionId: z.string().nullable(),
  version: z.number().int(),
  locked: z.boolean(),
  definition: FlowDefinition,
  versions: z.array(FlowVersionInfo),
  activeVersions: z.record(z.string(), z.string()).describe('environment → version id'),
});
export const FlowVersionList = z.object({ data: z.array(FlowVersionInfo) });
export const FlowVersion = z.object({
  id: z.string().nullable(),
  flowId: z.string(),
  version: z.number().int(),
  locked: z.boolean(),
  definition: FlowDefinition,
});
export const Activation = z.object({
  flowId: z.string(),
  environment: z.string(),
  versionId: z.string(),
  previousVersionId: z.string().nullable(),
});
export const FlowEnvironments = z.object({ flowId: z.string(), activeVersions: z.record(z.string(), z.string()) });
export const Environment = z.object({ name: z.string() });
export const EnvironmentList = z.object({ data: z.array(z.string()) });
export const EnvironmentDiff = z.object({
  sourceEnvironment: z.string(),
  targetEnvironment: z.string(),
  flows: z.array(
    z.object({
      flowId: z.string(),
      slug: z.string().nullable(),
      name: z.string(),
      sourceVersionId: z.string().nullable(),
      targetVersionId: z.string().nullable(),
      status: z.enum(['same', 'only_in_source', 'only_in_target', 'different']),
    }),
  ),
});
export const Promotion = z.object({
  sourceEnvironment: z.string(),
  targetEnvironment: z.string(),
  promoted: z.array(z.object({ flowId: z.string(), versionId: z.string(), previousVersionId: z.string().nullable() })),
});
export const AuditList = z.object({
  data: z.array(z.object({ id: z.string(), action: z.string(), flowId: z.string().nullable(), comment: z.string().nullable() }).loose()),
});

/** A PromptShuttle run's answer (docs/api.md "PromptShuttle runs"). */
export const ShuttleRun = z
  .object({
    id: z.string(),
    timestamp: z.string(),
    flowId: z.string(),
    tenantId: z.string(),
    creditsUsed: z.number(),
    milliseconds: z.number(),
    usage: z
      .object({
        creditsUsed: z.number(),
        creditsLeft: z.number(),
        tokensIn: z.number(),
        tokensOut: z.number(),
        reasoningTokens: z.number(),
        toolCost: z.number(),
        costUsd: z.number(),
      })
      .loose(),
    flowRequest: z.unknown(),
    responses: z.array(
      z
        .object({
          model: z.string(),
          provider: z.string(),
          textResponse: z.string(),
          status: z.string(),
          finishReason: z.string(),
          usage: z.object({ tokensIn: z.number(), tokensOut: z.number(), reasoningTokens: z.number(), costUsd: z.number() }).loose(),
          toolCalls: z.array(z.unknown()).optional(),
        })
        .loose(),
    ),
    warnings: z.array(z.string()),
    cached: z.boolean(),
    structuredResponse: z.unknown().optional(),
  })
  .loose();
export const StoredShuttleRun = ShuttleRun.partial().extend({ id: z.string(), status: z.string(), feedback: z.unknown() }).loose();
export const ShuttleParameters = z.array(z.object({ token: z.string(), source: z.string(), template: z.string() }).loose());
export const FeedbackAnswer = z
  .object({ shuttleRequestId: z.string(), score: z.number(), text: z.string().nullable(), endUserId: z.string().nullable() })
  .loose();
export const ShuttleRunPage = z.object({ data: z.array(z.record(z.string(), z.unknown())), pagination: Pagination });
export const UsageEntry = z
  .object({
    key: z.string(),
    period: z.string().optional().describe('the hour or day (UTC start) when `interval` was asked for'),
    runs: z.number().int(),
    creditsUsed: z.number(),
    costUsd: z.number(),
    tokensIn: z.number().int(),
    tokensOut: z.number().int(),
    reasoningTokens: z.number().int(),
  })
  .loose();
export const UsageStatistics = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  groupBy: z.enum(['customer', 'tag', 'flow', 'model']),
  interval: z.enum(['hour', 'day']).optional(),
  data: z.array(UsageEntry),
});
const ModelAlias = z
  .object({
    alias: z.string(),
    models: z.array(z.string()),
    strategy: z.string(),
    weights: z.array(z.number()).nullable().optional(),
  })
  .loose();
export const ModelAliasList = z.object({ data: z.array(ModelAlias) });
export { ModelAlias };
export const ToolTestResult = z.object({
  ok: z.boolean(),
  result: z.unknown(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  logs: z.array(z.string()).describe("what the tool's code logged (console.log)"),
  durationMs: z.number(),
});
export const McpDiscovery = z.object({
  data: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), parametersSchema: z.unknown() })),
});
export const LedgerEntry = z.object({
  id: z.string(),
  delta: z.number().describe('credits added (positive) or spent (negative); 1,000,000 credits = 1 USD'),
  balanceAfter: z.number(),
  reason: z.string(),
  executionId: z.string().nullable(),
  createdAt: z.string(),
});
export const CreditLedger = z.object({
  data: z.array(LedgerEntry),
  pagination: z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int(), hasMore: z.boolean() }),
});
export const CreditBalance = z.object({ tenantId: z.string(), mode: z.enum(['test', 'live']), creditsLeft: z.number() });
export const Approval = z
  .object({
    id: z.string(),
    executionId: z.string(),
    status: z.enum(['pending', 'approved', 'denied', 'timeout', 'cancelled']),
    kind: z.string(),
    description: z.string(),
    createdAt: z.string(),
    stepId: z.string(),
    toolCallId: z.string().nullable(),
    toolName: z.string().nullable().describe('the tool whose call waits, for a tool approval'),
    parameters: z.unknown().describe("the call's arguments"),
    reason: z.string().nullable(),
    timeoutAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decisionReason: z.string().nullable(),
    flowName: z.string().nullable().optional().describe('the name of the flow (or agent) whose run waits; in lists'),
  })
  .loose();
export const ApprovalList = z.object({ data: z.array(Approval) });
export const Cancellation = z.object({ executionId: z.string(), status: z.enum(['cancelling', 'cancelled']) });

/** A node of a run's tree (`GET /v1/executions/{id}/tree`): the run, its tool calls, and the runs they started. */
export const ExecutionTreeNode = z
  .object({
    executionId: z.string(),
    kind: z.enum(['flow', 'agent']),
    name: z.string(),
    agentId: z.string().nullable(),
    status: z.string(),
    depth: z.number().int(),
    parentToolCallId: z.string().nullable(),
    durationMs: z.number().nullable(),
    tokens: z.object({ input: z.number(), output: z.number(), reasoning: z.number() }),
    costUsd: z.number().describe("this run's own model calls and tools, children excluded"),
    cumulativeCostUsd: z.number().describe('this run and everything under it'),
    toolCalls: z.array(z.object({ toolCallId: z.string(), toolName: z.string(), spawnedExecutionId: z.string().nullable() }).loose()),
    children: z.array(z.record(z.string(), z.unknown())).describe('nodes of the same shape'),
  })
  .loose();
export const ArtifactList = z.object({ data: z.array(z.record(z.string(), z.unknown())) });
export const TopUp = z.object({ tenantId: z.string(), mode: z.enum(['test', 'live']), creditsLeft: z.number() });

/** PromptShuttle's agent tree: the execution tree in its vocabulary (credits instead of USD). */
export const AgentTree = z
  .object({
    requestId: z.string(),
    agentRole: z.string(),
    depth: z.number().int(),
    durationMs: z.number().nullable(),
    status: z.string(),
    creditsUsed: z.number(),
    totalTreeCreditsUsed: z.number(),
    toolCalls: z.array(
      z
        .object({
          toolName: z.string(),
          toolType: z.string(),
          durationMs: z.number().nullable(),
          success: z.boolean(),
          spawnedRequestId: z.string().nullable(),
        })
        .loose(),
    ),
    children: z.array(z.record(z.string(), z.unknown())).describe('nodes of the same shape'),
  })
  .loose();

/** `PUT /admin/tenants/{tenantId}/limits`: the tenant's ceiling as saved. */
export const TenantLimitsAnswer = z.object({
  tenantId: z.string(),
  mode: z.enum(['test', 'live']),
  rateLimitPerMinute: z.number().int().nullable(),
  maxRunsInFlight: z.number().int().nullable(),
  maxKeys: z.number().int().nullable(),
});

export const StepTypeInfo = z.object({
  type: z.string(),
  configSchema: z.record(z.string(), z.unknown()).describe("the JSON Schema of the step's `config`"),
  branches: z.array(z.string()).describe('config keys that hold child steps (a conditional: trueSteps, falseSteps)'),
  producesOutput: z.boolean(),
});
export const StepTypeList = z.object({ data: z.array(StepTypeInfo) });

export const ToolTypeInfo = z.object({
  type: z.enum(toolKindNames),
  definable: z.boolean().describe('whether a tool of this type can be saved or given inline (a built-in one is only referenced)'),
  editable: z.boolean().describe("whether the dashboard's tool editor offers it"),
  testable: z.boolean().describe('whether POST /v1/tools/test runs it'),
});
export const ToolTypeList = z.object({ data: z.array(ToolTypeInfo) });

/** A stored asset as the API describes it: never its bytes (GET /v1/assets/{id} answers those). */
export const AssetMetadata = z.object({
  id: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  visibility: z.enum(['private', 'public']),
  url: z.string().describe('GET /v1/assets/{id} (with a key), or for a public asset its signed URL (without one)'),
  urlExpiresAt: z.string().nullable(),
  executionId: z.string().nullable(),
  createdAt: z.string(),
});
export const AssetPage = z.object({ data: z.array(AssetMetadata), pagination: Pagination });
export const DeletedAsset = z.object({ success: z.boolean(), deletedId: z.string() });

/** An asset's bytes, with the content type it was stored with. */
export const assetBytes = {
  description: 'The asset’s bytes; Content-Type is the one it was stored with',
  content: { 'application/octet-stream': { schema: z.string().describe('binary') } },
};
