import { FlowrunError } from '../../protocol/errors.js';
import { OutboundRequestError } from '../guarded-http.js';
import { searchWeb } from '../web-search.js';
import type { ToolKindDefinition } from './tool-kind.js';

/**
 * A web search tool (Runtype's runtime `search` tool type): the model gives `query` (and may give `maxResults`);
 * `config.provider` (`auto`, `exa`, `searxng`) and `config.maxResults` (1–10, default 5) are the tool's. Runs the
 * same search as the `search` step and the built-in `web_search` (Exa or SearXNG, through the SSRF guard); the
 * results are also the call's sources (`source` events).
 */
export const searchTool: ToolKindDefinition = {
  async run(tool, args, context, deps) {
    const config = tool.config as { provider?: unknown; maxResults?: unknown };
    const query = typeof args.query === 'string' ? args.query.trim() : '';
    if (!query) return { ok: false, error: { code: 'TOOL_FAILED', message: `search tool '${tool.name}' needs a query` } };
    const provider = config.provider === 'exa' || config.provider === 'searxng' ? config.provider : 'auto';
    const wanted = Number(args.maxResults ?? config.maxResults ?? 5);
    const count = Math.min(10, Math.max(1, Number.isFinite(wanted) ? Math.floor(wanted) : 5));
    try {
      const { results } = await searchWeb({ query, count, provider, signal: context.signal }, deps.builtinSettings, deps.policy);
      return { ok: true, result: { query, results }, costUsd: 0, sources: results };
    } catch (error) {
      if (error instanceof OutboundRequestError || FlowrunError.isInstance(error))
        return { ok: false, error: { code: error.code, message: error.message } };
      return { ok: false, error: { code: 'TOOL_FAILED', message: (error as Error).message } };
    }
  },
};
