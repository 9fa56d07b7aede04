import type { ToolKindDefinition } from './tool-kind.js';

/** A flow tool: runs the stored flow `config.flowId` with the call's arguments, at most `maxDepth` deep. */
export const flowTool: ToolKindDefinition = {
  async run(tool, args, context, deps) {
    if (context.depth >= deps.maxDepth)
      return { ok: false, error: { code: 'TOOL_DEPTH', message: `flow tools nest at most ${deps.maxDepth} deep` } };
    const flowId = tool.config.flowId ?? tool.config.flow_id ?? tool.config.id;
    if (typeof flowId !== 'string')
      return { ok: false, error: { code: 'TOOL_CONFIG', message: `flow tool '${tool.name}' has no config.flowId` } };
    return deps.runFlowTool(flowId, args, context);
  },
};
