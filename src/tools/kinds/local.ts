import type { ToolKindDefinition } from './tool-kind.js';

/** A client tool: the client runs it (the tool loop hands it over), so the server only refuses to. */
export const localTool: ToolKindDefinition = {
  run: async (tool) => ({ ok: false, error: { code: 'TOOL_CONFIG', message: `'${tool.name}' is a client tool; the client runs it` } }),
};
