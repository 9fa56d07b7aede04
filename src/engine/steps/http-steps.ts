import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { ResolvedTool } from '../ports.js';
import type { StepContext, StepResult, StepRunner } from '../run-context.js';
import { lookupPath, renderTemplate, renderValue } from '../template.js';
import { stepCallId } from './step-call-id.js';

/**
 * `fetch-url` and `api-call` send their (templated) request through the tool runner's external-HTTP path, so
 * they share its SSRF guard, timeout and response cap (and so does `wait-until`'s poll).
 */
export async function send(
  http: { url: string; method: string; headers: Record<string, string>; body?: unknown; timeout?: number },
  extraHeaders: Record<string, string>,
  context: StepContext,
): Promise<{ result: unknown; unresolved: string[] }> {
  const scope = context.scope();
  const unresolved: string[] = [];
  const render = (text: string) => {
    const rendered = renderTemplate(text, scope);
    unresolved.push(...rendered.unresolved.filter((name) => !unresolved.includes(name)));
    return rendered.text;
  };
  const headers = { ...Object.fromEntries(Object.entries(http.headers).map(([name, value]) => [name, render(value)])), ...extraHeaders };
  const tool: ResolvedTool = {
    id: 'http',
    name: 'http',
    description: '',
    toolType: 'external',
    parametersSchema: {},
    config: {
      url: render(http.url),
      method: http.method.toUpperCase(),
      headers,
      ...(http.body !== undefined ? { body: renderValue(http.body, scope, unresolved) } : {}),
      ...(http.timeout ? { timeoutMs: http.timeout } : {}),
    },
  };
  context.checkVariables(unresolved);
  const outcome = await context.deps.tools.run(
    tool,
    {},
    {
      executionId: context.request.executionId,
      scope: context.request.scope,
      toolCallId: stepCallId('http', context.ref),
      secrets: {},
      signal: context.signal,
      depth: context.request.depth,
    },
  );
  if (!outcome.ok) throw new FlowrunError(outcome.error.code, outcome.error.message);
  return { result: outcome.result, unresolved };
}

export const runFetchUrl: StepRunner<StepOf<'fetch-url'>> = async (step, context): Promise<StepResult> => {
  const http = step.config.http ?? { url: step.config.url!, method: 'GET', headers: {} };
  const { result, unresolved } = await send(http, {}, context);
  const asText = step.config.responseType === 'text' || step.config.responseType === 'xml';
  return { result: asText && typeof result !== 'string' ? JSON.stringify(result) : result, unresolved };
};

export const runApiCall: StepRunner<StepOf<'api-call'>> = async (step, context): Promise<StepResult> => {
  const auth = step.config.auth;
  const secretOf = (value: string | undefined) => (value ? renderTemplate(value, context.scope()).text : '');
  const extra: Record<string, string> = {};
  if (auth?.type === 'bearer') extra.authorization = `Bearer ${secretOf(auth.token)}`;
  if (auth?.type === 'api_key') extra[(auth.headerName ?? 'x-api-key').toLowerCase()] = secretOf(auth.token);
  if (auth?.type === 'basic') extra.authorization = `Basic ${btoa(`${secretOf(auth.username)}:${secretOf(auth.password)}`)}`;
  const { result, unresolved } = await send(step.config.http, extra, context);
  if (!step.config.responseMapping) return { result, unresolved };
  // responseMapping: {outputKey: "path.in.response"}; `$` or an empty path is the whole response.
  const mapped = Object.fromEntries(
    Object.entries(step.config.responseMapping).map(([key, path]) => {
      const clean = path.replace(/^\$\.?/, '');
      return [key, clean === '' ? result : (lookupPath(result, clean) ?? null)];
    }),
  );
  return { result: mapped, unresolved };
};
