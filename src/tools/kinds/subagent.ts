import type { ToolKindDefinition } from './tool-kind.js';

/** A sub-agent: runs a child agent with the call's arguments, at most `maxDepth` deep. */
export const subagentTool: ToolKindDefinition = {
  async run(tool, args, context, deps) {
    if (context.depth >= deps.maxDepth)
      return { ok: false, error: { code: 'TOOL_DEPTH', message: `sub-agents nest at most ${deps.maxDepth} deep` } };
    return deps.runAgentTool(tool, args, context);
  },
};
