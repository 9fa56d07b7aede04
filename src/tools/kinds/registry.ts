import type { ToolKind } from '../../protocol/tool-kinds.js';
import { builtinTool } from './builtin.js';
import { customTool } from './custom.js';
import { externalTool } from './external.js';
import { flowTool } from './flow.js';
import { graphqlTool } from './graphql.js';
import { localTool } from './local.js';
import { mcpTool } from './mcp.js';
import { searchTool } from './search.js';
import { subagentTool } from './subagent.js';
import type { ToolKindDefinition } from './tool-kind.js';

/** How each kind of `protocol/tool-kinds.ts` runs: a kind without a line here does not compile. */
export const toolKindRegistry: { [K in ToolKind]: ToolKindDefinition } = {
  custom: customTool,
  external: externalTool,
  flow: flowTool,
  mcp: mcpTool,
  local: localTool,
  subagent: subagentTool,
  builtin: builtinTool,
  graphql: graphqlTool,
  search: searchTool,
};
