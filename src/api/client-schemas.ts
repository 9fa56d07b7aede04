import { z } from 'zod';
import { stepRegistry } from '../engine/steps/registry.js';
import { AgentDefinition } from '../protocol/agent.js';
import { RawStep, ToolsConfig } from '../protocol/flow.js';
import { FlowBody } from '../protocol/shuttle.js';
import { definableToolKinds, toolKindNames, toolKinds, type ToolKind } from '../protocol/tool-kinds.js';
import { ToolBody, ToolTestBody } from './request-schemas.js';
import { Tool } from './response-schemas.js';
import { DispatchBody } from './wire/dispatch-request.js';

// Schemas that type the client more closely than the routes validate. A route takes a flow's steps, an agent's
// tools and a tool's config loosely on purpose: the flow validator then reports every problem with its path and a
// "did you mean", where one schema would stop at the first. These say what those checks accept, from the same
// registries the checks read, so a new step type or tool kind reaches the client's types without an edit here.

/** A conditional's config as a request gives it: each branch holds steps inline, or the ids of other steps of the flow. */
const ConditionalConfig = z
  .object({
    condition: z.string().describe('a JavaScript-like expression over the variables, e.g. `score > 0.5`'),
    get trueSteps() {
      return z.array(z.union([z.string(), ClientStep])).optional();
    },
    get falseSteps() {
      return z.array(z.union([z.string(), ClientStep])).optional();
    },
  })
  .loose();

/** What a step type's `config` is, for the client: its schema in the registry (a conditional's branches typed as steps). */
function clientConfigOf(type: string, config: z.ZodType): z.ZodType {
  return type === 'conditional' ? ConditionalConfig : config;
}

const stepMembers = Object.entries(stepRegistry).map(([type, definition]) =>
  RawStep.extend({ type: z.literal(type), config: clientConfigOf(type, definition.config).optional() }),
);

/** A step: one member per step type the server runs, discriminated by `type`, each with its own config. */
export const ClientStep: z.ZodType = z.discriminatedUnion('type', stepMembers as [(typeof stepMembers)[number], ...typeof stepMembers]);

/** An agent as Runtype describes it, its tools typed as a prompt step's are (the server checks them when it runs). */
export const ClientAgentDefinition = AgentDefinition.extend({
  tools: ToolsConfig.optional(),
  config: AgentDefinition.shape.config.unwrap().extend({ tools: ToolsConfig.optional() }).optional(),
});

/** A saved agent by id: Runtype's `{agentId}`, or `{id}`. */
const AgentReference = z.union([z.object({ agentId: z.string() }).loose(), z.object({ id: z.string() }).loose()]);

export const ClientDispatchRequest = DispatchBody.extend({
  flow: DispatchBody.shape.flow
    .unwrap()
    .extend({ steps: z.array(ClientStep).optional() })
    .optional(),
  agent: z.union([ClientAgentDefinition, AgentReference]).optional(),
});

export const ClientFlowRequest = z.object({ ...FlowBody.shape, steps: z.array(ClientStep).max(500).optional() }).loose();

/** A kind of tool's `config`: the keys `POST /v1/tools` requires of that kind, and whatever else it holds. */
function toolConfigOf(kind: ToolKind) {
  return z.object(Object.fromEntries(toolKinds[kind].requiredConfig.map(({ key, what, schema }) => [key, schema.describe(what)]))).loose();
}

const toolRequestMembers = definableToolKinds.map((kind) => {
  const config = toolConfigOf(kind);
  // A kind that needs no config key may leave `config` out, as the route's default fills it in.
  return z
    .object({ ...ToolBody.shape, toolType: z.literal(kind), config: toolKinds[kind].requiredConfig.length ? config : config.optional() })
    .loose();
});

/** A tool to save (or test), discriminated by `toolType`, each kind with the config keys it needs. */
export const ClientToolRequest = z.discriminatedUnion(
  'toolType',
  toolRequestMembers as [(typeof toolRequestMembers)[number], ...typeof toolRequestMembers],
);

export const ClientToolTestRequest = ToolTestBody.extend({ tool: ClientToolRequest });

const toolMembers = toolKindNames.map((kind) => Tool.extend({ toolType: z.literal(kind), config: toolConfigOf(kind) }));

/** A saved tool, discriminated by `toolType`. */
export const ClientTool = z.discriminatedUnion('toolType', toolMembers as [(typeof toolMembers)[number], ...typeof toolMembers]);
export const ClientToolList = z.object({ data: z.array(ClientTool) });
