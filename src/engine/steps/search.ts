import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import { webStepLimits } from '../../protocol/web-steps.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate } from '../template.js';
import { stepCallId } from './step-call-id.js';
import { webOf } from './web-outbound.js';

/**
 * `search`: a web search through the configured backend (the built-in web search's Exa or SearXNG). With
 * `returnCitations`, every result is also streamed as a `source` frame and listed as `citations`.
 */
export const runSearch: StepRunner<StepOf<'search'>> = async (step, context) => {
  const rendered = renderTemplate(step.config.query, context.scope());
  context.checkVariables(rendered.unresolved);
  const query = rendered.text.trim();
  if (!query) {
    const message = `search step '${step.name}': the query renders to nothing`;
    throw new FlowrunError('INVALID_VALUE', message, [{ code: 'INVALID_VALUE', message, path: `${step.path}.config.query` }]);
  }
  const maxResults = step.config.maxResults ?? step.config.numResults ?? webStepLimits.search.maxResults.default;
  const { provider, results } = await webOf(context, 'search').search({
    query,
    maxResults,
    provider: step.config.provider,
    signal: context.signal,
  });
  if (step.config.returnCitations) {
    const toolCallId = stepCallId('search', context.ref);
    for (const source of results) context.deps.events.emit({ type: 'source', toolCallId, toolName: 'search', ...source, ...context.ref });
  }
  const citations = step.config.returnCitations ? { citations: results.map(({ url, title }) => ({ url, title })) } : {};
  return { result: { query, provider, results, ...citations }, unresolved: rendered.unresolved };
};
