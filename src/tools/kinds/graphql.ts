import type { ToolOutcome } from '../../engine/ports.js';
import { runExternalTool } from '../external-tool.js';
import type { ToolKindDefinition } from './tool-kind.js';

/**
 * A GraphQL tool (Runtype's `graphql` tool type): `config.url` (or `endpoint`), `query`, optional
 * `operationName`, `headers` and `variables` (templates over the call's arguments, `{{param}}`, and secrets;
 * without `variables` the call's arguments are the variables). Sent as an HTTP POST of `{query, variables}`
 * through the external tool's path (SSRF guard, secrets kept off other origins); an answer with `errors` and no
 * `data` is the tool's error, GRAPHQL_ERROR, with the server's messages.
 */
export const graphqlTool: ToolKindDefinition = {
  async run(tool, args, context, deps) {
    const config = tool.config as {
      url?: unknown;
      endpoint?: unknown;
      query?: unknown;
      operationName?: unknown;
      variables?: unknown;
      headers?: unknown;
    };
    const url = typeof config.url === 'string' ? config.url : config.endpoint;
    if (typeof url !== 'string' || typeof config.query !== 'string')
      return { ok: false, error: { code: 'TOOL_CONFIG', message: `graphql tool '${tool.name}' needs config.url and config.query` } };
    const body = {
      query: config.query,
      ...(typeof config.operationName === 'string' ? { operationName: config.operationName } : {}),
      variables: config.variables ?? args,
    };
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(config.headers as Record<string, string> | undefined),
    };
    const outcome = await runExternalTool({ ...tool, config: { url, method: 'POST', headers, body } }, args, context, {
      policy: deps.policy,
      timeoutMs: deps.http.timeoutMs,
      maxResponseBytes: deps.http.maxResponseBytes,
    });
    return outcome.ok ? graphqlOutcome(outcome) : outcome;
  },
};

function graphqlOutcome(outcome: Extract<ToolOutcome, { ok: true }>): ToolOutcome {
  const answer = outcome.result as { data?: unknown; errors?: Array<{ message?: unknown }> } | null;
  if (answer && typeof answer === 'object' && Array.isArray(answer.errors) && (answer.data === undefined || answer.data === null)) {
    const messages = answer.errors.map((error) => String(error?.message ?? 'error')).slice(0, 5);
    return { ok: false, error: { code: 'GRAPHQL_ERROR', message: `the GraphQL server answered errors: ${messages.join('; ')}` } };
  }
  return outcome;
}
