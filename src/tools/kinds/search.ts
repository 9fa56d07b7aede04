import { FlowrunError } from '../../protocol/errors.js';
import { webSearch } from '../builtin-tools.js';
import { OutboundRequestError } from '../guarded-http.js';
import type { ToolKindDefinition } from './tool-kind.js';

/**
 * A web search tool (Runtype's runtime `search` tool type): the model gives `query` (and may give `maxResults`);
 * `config.provider` (`auto`, `exa`, `searxng`) and `config.maxResults` (1–10, default 5) are the tool's. The same
 * search as the built-in `web_search` and the `search` step (Exa or SearXNG, through the SSRF guard).
 */
export const searchTool: ToolKindDefinition = {
  async run(tool, args, context, deps) {
    const config = tool.config as { provider?: unknown; maxResults?: unknown };
    const provider = config.provider === 'exa' || config.provider === 'searxng' ? config.provider : 'auto';
    try {
      const query = typeof args.query === 'string' ? args.query : '';
      return await webSearch(
        query,
        Number(args.maxResults ?? config.maxResults ?? 5),
        context,
        deps.builtinSettings,
        deps.policy,
        provider,
      );
    } catch (error) {
      if (error instanceof OutboundRequestError || FlowrunError.isInstance(error))
        return { ok: false, error: { code: error.code, message: error.message } };
      return { ok: false, error: { code: 'TOOL_FAILED', message: (error as Error).message } };
    }
  },
};
