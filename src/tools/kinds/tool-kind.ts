import type { ResolvedTool, ToolCallContext, ToolOutcome } from '../../engine/ports.js';
import type { BuiltinSettings } from '../builtin-tools.js';
import type { createMcpTools } from '../mcp-tools.js';
import type { ToolRunnerDeps } from '../tool-runner-deps.js';

/** What a kind's runner can use: the tool runner's deps, and what the runner makes once from them. */
export interface ToolKindDeps extends ToolRunnerDeps {
  /** The MCP sessions and tool lists, shared with `describeMcpTools`. */
  mcp: ReturnType<typeof createMcpTools>;
  builtinSettings: BuiltinSettings;
}

/**
 * How one kind of tool runs (what the schemas and the dashboard know of it is in `protocol/tool-kinds.ts`). A
 * failure is an outcome the model is told about, never an exception.
 */
export interface ToolKindDefinition {
  run(tool: ResolvedTool, args: Record<string, unknown>, context: ToolCallContext, deps: ToolKindDeps): Promise<ToolOutcome>;
}
