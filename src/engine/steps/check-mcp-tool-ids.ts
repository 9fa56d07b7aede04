import type { ToolsConfig } from '../../protocol/flow.js';
import { formatPath } from '../../protocol/zod-details.js';
import type { StepCheckContext } from './step-check.js';

/**
 * Every `mcp:<server>:<tool>` id of a prompt's `tools.toolIds` names a server of the same step's `tools.mcpServers`
 * (Flowrun keeps no MCP servers per account): both are in the definition, so a wrong one is refused before the run
 * starts, naming the id, rather than failing the step once the run has begun.
 */
export function checkMcpToolIds(tools: ToolsConfig | undefined, context: StepCheckContext): void {
  if (!tools) return;
  const declared = new Set(tools.mcpServers.map((server) => server.id));
  tools.toolIds.forEach((id, index) => {
    if (!id.startsWith('mcp:')) return;
    const [, serverId, toolName] = id.split(':');
    const path = formatPath([...context.configPath, 'tools', 'toolIds', index]);
    if (!serverId || !toolName) {
      context.details.push({ code: 'TOOL_NOT_FOUND', path, message: `${context.label}: '${id}' is not of the form mcp:<server>:<tool>` });
    } else if (!declared.has(serverId)) {
      context.details.push({
        code: 'TOOL_NOT_FOUND',
        path,
        message: `${context.label}: '${id}' names MCP server '${serverId}', which is not in tools.mcpServers`,
        suggestion: `declare the server in tools.mcpServers as {"id": "${serverId}", "url": "…"}: Flowrun keeps no MCP servers per account`,
      });
    }
  });
}
