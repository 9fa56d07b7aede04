import type { ResolvedTool, ToolCallContext, ToolOutcome, ToolRunner } from '../engine/ports.js';
import { createMcpTools } from './mcp-tools.js';
import { describeBuiltin, type BuiltinSettings } from './builtin-tools.js';
import { toolKindRegistry } from './kinds/registry.js';
import { createWebAccess } from './web-access.js';
import type { ToolKindDeps } from './kinds/tool-kind.js';
import type { ToolRunnerDeps } from './tool-runner-deps.js';

export type { ToolRunnerDeps } from './tool-runner-deps.js';

/** Runs every kind of server-side tool. Tool failures are outcomes the model is told about, never exceptions. */
export function createToolRunner(deps: ToolRunnerDeps): ToolRunner {
  const mcp = createMcpTools(deps.policy, {
    maxResponseBytes: deps.http.maxResponseBytes,
    resolve: deps.resolve,
    toolsTtlMs: deps.mcpToolsTtlMs,
    listTimeoutMs: deps.http.timeoutMs,
  });
  const builtinSettings: BuiltinSettings = { ...deps.builtins, http: deps.http };
  const kindDeps: ToolKindDeps = { ...deps, mcp, builtinSettings };
  const web = createWebAccess({ ...builtinSettings, policy: deps.policy, githubApiUrl: deps.githubApiUrl ?? 'https://api.github.com' });
  return {
    async run(tool: ResolvedTool, args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome> {
      return toolKindRegistry[tool.toolType].run(tool, args, context, kindDeps);
    },
    describeMcpTools: (servers, toolIds, signal, tenantId) => mcp.describe(servers, toolIds, signal, tenantId),
    describeBuiltin: (id) => describeBuiltin(id, builtinSettings),
    web,
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
