import type { ToolKindDefinition } from './tool-kind.js';

/** A tool of an MCP server, called over the server's session (`mcp-tools.ts`). */
export const mcpTool: ToolKindDefinition = {
  run: (tool, args, context, deps) => deps.mcp.run(tool, args, context),
};
