import { z } from 'zod';
import { AgentDefinition } from '../protocol/agent.js';
import { ChatMessage, McpServer, ToolType, toolName } from '../protocol/flow.js';
import { RunSecrets } from '../protocol/secrets.js';
import { testableOr, toolKinds } from '../protocol/tool-kinds.js';
import { checkToolLanguage } from '../protocol/script-language.js';
import { FlowBody } from '../protocol/shuttle.js';
import { Status } from './response-schemas.js';
import { DispatchBody } from './wire/dispatch-request.js';

// What the routes take that is not already a protocol schema: bodies, queries and path parameters. Routes import
// them through src/api/contract.ts; handlers that check a body or a query themselves (`parseInput`) use these too.

const mode = z.enum(['test', 'live']);

/** `POST /admin/credits/top-up`. */
export const TopUpBody = z.object({
  tenantId: z.string().min(1).max(100),
  mode: mode.default('live'),
  amount: z.number().int(),
  reason: z.string().max(500).default('top-up'),
});

const limit = z.number().int().min(0).nullable().optional();
/** `PUT /admin/tenants/{tenantId}/limits`. */
export const TenantLimitsBody = z
  .object({
    mode: mode.default('live'),
    rateLimitPerMinute: limit.describe(
      "requests per minute of the tenant's keys together, and the most one key may ask for (0: none; null: the server's setting)",
    ),
    maxRunsInFlight: limit.describe('runs queued or running at once, likewise'),
    maxKeys: limit.describe('active keys the tenant may hold in this mode'),
  })
  .strict();

/** A patch: any of an agent's fields, merged into the stored definition and checked whole (as AgentDefinition). */
export const AgentPatch = AgentDefinition.partial();
/** A chat turn with a saved agent: a dispatch's conversation fields (the agent is the one in the path). */
export const AgentExecuteBody = DispatchBody.pick({
  messages: true,
  inputs: true,
  context: true,
  metadata: true,
  secrets: true,
  clientTools: true,
  options: true,
});

/** The asset's path under /assets/ (Fastify's wildcard parameter). */
export const AssetParams = z.object({ '*': z.string().max(500) });

/** `GET /v1/executions`. */
export const ExecutionListQuery = z.object({
  status: Status.optional(),
  flowId: z.string().max(200).optional(),
  tag: z.string().max(200).optional(),
  customerId: z.string().max(200).optional(),
  from: z.string().datetime({ offset: true }).optional().describe('created at or after (ISO 8601)'),
  to: z.string().datetime({ offset: true }).optional().describe('created before (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `GET /v1/executions/{id}/events`: the handler names an unknown `events` itself. */
export const ExecutionEventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  events: z.string().optional(),
});

/** A patch: any of a flow's fields, merged into its definition and checked whole (as FlowBody). */
export const FlowPatch = z.object(FlowBody.shape).partial();
export const ActivateBody = z.object({ environment: z.string().min(1).max(100), comment: z.string().max(2000).optional() });
export const EnvironmentBody = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'environment names use letters, digits, _ and -'),
});
export const PromoteBody = z.object({
  sourceEnvironment: z.string().min(1).max(100),
  targetEnvironment: z.string().min(1).max(100),
  flowIds: z.array(z.string()).max(1000).optional(),
  comment: z.string().max(2000).optional(),
});
export const EnvironmentDiffQuery = z.object({ sourceEnvironment: z.string().min(1), targetEnvironment: z.string().min(1) });
export const AuditQuery = z.object({ flowId: z.string().optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

/** `POST /v1/keys`. */
export const KeyBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    rateLimitPerMinute: z.number().int().min(0).nullable().optional(),
    maxRunsInFlight: z.number().int().min(0).nullable().optional(),
  })
  .strict();

/** Runtype's secret key: letters, digits and `_` (`{{secret:STRIPE_API_KEY}}`). */
const SecretKeyName = z
  .string()
  .min(2)
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'A secret key is letters, digits and _, starting with a letter (e.g. STRIPE_API_KEY)');
const SecretValue = z.string().min(8).max(10_000).describe('write-only: sealed with FLOWRUN_SECRET_KEY, never returned');

export const SecretBody = z
  .object({
    key: SecretKeyName,
    value: SecretValue.optional().describe('write-only; left out, the secret is pending until a value is set'),
    description: z.string().max(500).optional(),
  })
  .strict();

export const SecretUpdateBody = z
  .object({
    value: SecretValue.optional().describe('a new value: rotates the secret (its version goes up)'),
    description: z.string().max(500).optional(),
    expectedVersion: z.number().int().min(0).optional().describe('refused with 409 when the secret is at another version'),
    status: z.enum(['active', 'revoked']).optional().describe('Flowrun: revoke a secret (it stops resolving) or restore it'),
  })
  .strict();

export const SecretCheckBody = z.object({ keys: z.array(z.string().min(1).max(100)).min(1).max(50) }).strict();

export const RecordBody = z
  .object({
    name: z.string().min(1).max(500),
    type: z.string().min(1).max(200).default('default'),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();
export const RecordPatch = z
  .object({
    name: z.string().min(1).max(500).optional(),
    type: z.string().min(1).max(200).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export const RecordListQuery = z.object({
  type: z.string().optional(),
  name: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

const Outputs = z.record(z.string(), z.unknown());
/** `POST /v1/dispatch/resume`: the client tools' outputs, by tool-call id. */
export const ResumeBody = z
  .object({
    executionId: z.string().min(1).max(200),
    toolOutputs: Outputs.default({}),
    messages: z.array(ChatMessage).max(1000).default([]),
    streamResponse: z.boolean().optional(),
    secrets: RunSecrets.optional(),
  })
  .loose();
/** `POST /v1/dispatch/approve`: a decision on a pending approval. */
export const ApproveBody = z
  .object({
    executionId: z.string().min(1).max(200),
    approvalId: z.string().min(1).max(200),
    decision: z.enum(['approved', 'denied']),
    reason: z.string().max(5000).optional(),
    streamResponse: z.boolean().optional(),
    debugMode: z.boolean().optional(),
  })
  .loose();
/** `POST /v1/dispatch/continue`: Runtype's general continuation (tool outputs, one tool's output, or a decision). */
export const ContinueBody = z
  .object({
    executionId: z.string().min(1).max(200),
    streamResponse: z.boolean().optional(),
    continuation: z
      .object({
        toolOutputs: Outputs.optional(),
        messages: z.array(ChatMessage).max(1000).optional(),
        approvalId: z.string().optional(),
        decision: z.enum(['approved', 'denied']).optional(),
        reason: z.string().max(5000).optional(),
        type: z.enum(['tool_output', 'tool_outputs', 'approval']).optional(),
        toolCallId: z.string().optional(),
        output: z.unknown().optional(),
      })
      .loose(),
  })
  .loose();
export const ApprovalListQuery = z.object({
  status: z.enum(['pending', 'approved', 'denied', 'timeout', 'cancelled']).optional(),
  executionId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** `GET /api/v1/runs`: PromptShuttle's run log. */
export const ShuttleRunsQuery = z.object({
  flowId: z.string().optional(),
  tag: z.string().optional(),
  customerId: z.string().optional(),
  status: Status.optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const ParametersQuery = z.object({
  environment: z.string().optional(),
  version: z.string().optional(),
  entrypoint: z.string().optional(),
});
/** `GET /api/v1/statistics/usage`. */
export const UsageQuery = z.object({
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  groupBy: z.enum(['customer', 'tag', 'flow', 'model']).default('customer'),
  flowId: z.string().optional(),
  customerId: z.string().max(200).optional(),
  interval: z.enum(['hour', 'day']).optional().describe('totals per hour or day (UTC) as well: each entry then carries its `period`'),
});
export const LedgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `POST /v1/tools`: a tool as saved; each type's config needs what it runs with. */
export const ToolBody = z
  .object({
    name: toolName,
    description: z.string().max(2000).default(''),
    toolType: ToolType,
    parametersSchema: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .loose()
  .superRefine((tool, context) => {
    checkToolLanguage(tool, context);
    for (const { key, what, schema } of toolKinds[tool.toolType].requiredConfig)
      if (!schema.safeParse(tool.config[key]).success)
        context.addIssue({ code: 'custom', path: ['config', key], message: `${tool.toolType} tools need config.${key}: ${what}` });
    if (tool.parametersSchema.type !== undefined && tool.parametersSchema.type !== 'object') {
      context.addIssue({ code: 'custom', path: ['parametersSchema', 'type'], message: 'parametersSchema must describe an object' });
    }
  });
/** A patch: any of a tool's fields, merged into the stored tool and checked whole (as ToolBody). */
export const ToolPatch = z.object(ToolBody.shape).partial();

/** `POST /v1/tools/test`. */
export const ToolTestBody = z.object({
  tool: z.record(z.string(), z.unknown()).describe(`a tool as POST /v1/tools takes it (${testableOr}); it need not be saved`),
  arguments: z.record(z.string(), z.unknown()).default({}),
  secrets: RunSecrets.default({}).describe('what `{{secrets.k}}` stands for in this test; not kept'),
});
/** `POST /v1/tools/mcp/discover`. */
export const McpDiscoverBody = z.object({ server: McpServer });

/** `GET /v1/assets`: a page of the tenant's assets, newest first. */
export const AssetListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `GET /v1/assets/{id}/public`: a public asset's signed URL (`exp`: epoch seconds it works until; `sig`: its HMAC). */
export const AssetPublicQuery = z.object({
  exp: z.coerce.number().int().min(0),
  sig: z.string().min(1).max(200),
});
