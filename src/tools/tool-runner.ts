import type { ResolvedTool, ToolCallContext, ToolOutcome, ToolRunner } from '../engine/ports.js';
import type { AddressPolicy } from './address-policy.js';
import type { Resolver } from './guarded-http.js';
import { runExternalTool } from './external-tool.js';
import { createMcpTools } from './mcp-tools.js';
import { describeBuiltin, runBuiltin, type BuiltinSettings } from './builtin-tools.js';
import type { Sandbox } from './sandbox/sandbox-pool.js';

export interface ToolRunnerDeps {
  sandbox: Sandbox;
  policy: AddressPolicy;
  http: { timeoutMs: number; maxResponseBytes: number };
  /** Runs a stored flow as a tool; provided by the composition root (it needs the store and the engine). */
  runFlowTool(flowId: string, args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome>;
  /** Runs a child agent as a tool; provided by the composition root too. */
  runAgentTool(tool: ResolvedTool, args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome>;
  maxDepth: number;
  /** How long a server's MCP tool list is reused before it is listed again. */
  mcpToolsTtlMs?: number;
  /** What the built-in tools can use (search backends, the image model). */
  builtins?: Omit<BuiltinSettings, 'http'>;
  /** Name resolution for outbound connections (tests resolve names without DNS). */
  resolve?: Resolver;
}

/** Runs every kind of server-side tool. Tool failures are outcomes the model is told about, never exceptions. */
export function createToolRunner(deps: ToolRunnerDeps): ToolRunner {
  const mcp = createMcpTools(deps.policy, {
    maxResponseBytes: deps.http.maxResponseBytes,
    resolve: deps.resolve,
    toolsTtlMs: deps.mcpToolsTtlMs,
    listTimeoutMs: deps.http.timeoutMs,
  });
  const builtinSettings: BuiltinSettings = { ...deps.builtins, http: deps.http };
  return {
    async run(tool: ResolvedTool, args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome> {
      switch (tool.toolType) {
        case 'custom': {
          const code = tool.config.code;
          if (typeof code !== 'string')
            return { ok: false, error: { code: 'TOOL_CONFIG', message: `custom tool '${tool.name}' has no config.code` } };
          const timeout = typeof tool.config.timeout === 'number' ? tool.config.timeout : undefined;
          const reply = await deps.sandbox.run(
            code,
            { parameters: args, params: args },
            { timeoutMs: timeout, signal: context.signal, tenant: context.scope.tenantId },
          );
          return reply.ok
            ? { ok: true, result: reply.result, costUsd: 0, logs: reply.logs }
            : { ok: false, error: { code: reply.code, message: reply.message }, logs: reply.logs };
        }
        case 'external':
          return runExternalTool(tool, args, context, {
            policy: deps.policy,
            timeoutMs: deps.http.timeoutMs,
            maxResponseBytes: deps.http.maxResponseBytes,
          });
        case 'flow': {
          if (context.depth >= deps.maxDepth)
            return { ok: false, error: { code: 'TOOL_DEPTH', message: `flow tools nest at most ${deps.maxDepth} deep` } };
          const flowId = tool.config.flowId ?? tool.config.flow_id ?? tool.config.id;
          if (typeof flowId !== 'string')
            return { ok: false, error: { code: 'TOOL_CONFIG', message: `flow tool '${tool.name}' has no config.flowId` } };
          return deps.runFlowTool(flowId, args, context);
        }
        case 'mcp':
          return mcp.run(tool, args, context);
        case 'local':
          return { ok: false, error: { code: 'TOOL_CONFIG', message: `'${tool.name}' is a client tool; the client runs it` } };
        case 'builtin':
          return runBuiltin(tool, args, context, builtinSettings, deps.policy);
        case 'subagent':
          if (context.depth >= deps.maxDepth)
            return { ok: false, error: { code: 'TOOL_DEPTH', message: `sub-agents nest at most ${deps.maxDepth} deep` } };
          return deps.runAgentTool(tool, args, context);
      }
    },
    describeMcpTools: (servers, toolIds, signal, tenantId) => mcp.describe(servers, toolIds, signal, tenantId),
    describeBuiltin: (id) => describeBuiltin(id, builtinSettings),
    async runScript(code, variables, options) {
      const reply = await deps.sandbox.run(
        code,
        { ...variables, input: variables },
        { timeoutMs: options.timeoutMs, signal: options.signal, tenant: options.scope.tenantId },
      );
      return reply.ok
        ? { ok: true, result: reply.result, costUsd: 0, logs: reply.logs }
        : { ok: false, error: { code: reply.code, message: reply.message }, logs: reply.logs };
    },
  };
}
