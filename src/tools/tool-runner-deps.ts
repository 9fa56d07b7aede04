import type { ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import type { AddressPolicy } from './address-policy.js';
import type { BuiltinSettings } from './builtin-tools.js';
import type { Resolver } from './guarded-http.js';
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
  /** GitHub's REST API for fetch-github (FLOWRUN_GITHUB_API_URL); https://api.github.com when not given. */
  githubApiUrl?: string;
  /** Name resolution for outbound connections (tests resolve names without DNS). */
  resolve?: Resolver;
}
