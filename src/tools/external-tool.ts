import { renderTemplate, renderValue, scanPlaceholders, stringifyValue } from '../engine/template.js';
import type { ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import type { AddressPolicy } from './address-policy.js';
import { JsonTooDeepError, parseJsonBounded } from '../protocol/json-depth.js';
import { guardedFetch, OutboundRequestError } from './guarded-http.js';

export interface HttpToolSettings {
  policy: AddressPolicy;
  timeoutMs: number;
  maxResponseBytes: number;
}

/**
 * An `external` tool: `config.url`, `method`, `headers` and `body` are templates over the call's arguments
 * (`{{param}}`) and the run's secrets (`{{secrets.k}}`). A GET with no body template sends the arguments the
 * URL does not use as its query string; other methods send them as JSON when no body template is given.
 */
export async function runExternalTool(
  tool: ResolvedTool,
  args: Record<string, unknown>,
  context: ToolCallContext,
  settings: HttpToolSettings,
): Promise<ToolOutcome> {
  const config = tool.config as {
    url?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
    timeout?: number;
    timeoutMs?: number;
  };
  if (typeof config.url !== 'string')
    return { ok: false, error: { code: 'TOOL_CONFIG', message: `external tool '${tool.name}' has no config.url` } };
  const scope = { ...args, secrets: context.secrets };
  const encoded = Object.fromEntries(Object.entries(args).map(([key, value]) => [key, encodeURIComponent(stringifyValue(value))]));
  const url = new URL(
    renderTemplate(config.url, {
      ...encoded,
      secrets: Object.fromEntries(Object.entries(context.secrets).map(([key, value]) => [key, encodeURIComponent(value)])),
    }).text,
  );
  const method = (config.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = renderTemplate(String(value), scope).text;
  let body: string | undefined;
  if (config.body !== undefined) {
    const rendered = renderValue(config.body, scope, []);
    body = typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
    headers['content-type'] ??= 'application/json';
  } else if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
    const used = new Set(scanPlaceholders(config.url).map((found) => found.expression.split('.')[0]!));
    for (const [key, value] of Object.entries(args)) if (!used.has(key)) url.searchParams.set(key, stringifyValue(value));
  } else {
    body = JSON.stringify(args);
    headers['content-type'] ??= 'application/json';
  }
  headers.accept ??= 'application/json, text/plain;q=0.9, */*;q=0.5';
  // The same key on every attempt of this call, across retries and server restarts, so an idempotent API runs it once.
  headers['idempotency-key'] ??= `${context.executionId}:${context.toolCallId}`;
  try {
    const response = await guardedFetch(
      {
        url: url.toString(),
        method,
        headers,
        body,
        timeoutMs: config.timeoutMs ?? config.timeout ?? settings.timeoutMs,
        maxBytes: settings.maxResponseBytes,
        maxRedirects: 5,
        signal: context.signal,
        ...(context.onOutput ? { onChunk: context.onOutput } : {}),
      },
      settings.policy,
    );
    const result = parseBody(response.body, String(response.headers['content-type'] ?? ''));
    if (response.status >= 400)
      return {
        ok: false,
        error: {
          code: response.status >= 500 || response.status === 429 || response.status === 408 ? 'HTTP_SERVER_ERROR' : 'HTTP_STATUS',
          message: `${method} ${url.host} answered ${response.status}: ${response.body.slice(0, 300)}`,
        },
      };
    return { ok: true, result, costUsd: 0 };
  } catch (error) {
    if (error instanceof OutboundRequestError) return { ok: false, error: { code: error.code, message: error.message } };
    if (JsonTooDeepError.isInstance(error))
      return { ok: false, error: { code: 'HTTP_ERROR', message: `${method} ${url.host}: ${error.message}` } };
    return { ok: false, error: { code: 'HTTP_ERROR', message: (error as Error).message } };
  }
}

/** A JSON response becomes a value, anything else stays text; JSON nested too deep throws JsonTooDeepError. */
export function parseBody(body: string, contentType: string): unknown {
  const trimmed = body.trim();
  if (contentType.includes('json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return parseJsonBounded(trimmed, 'the response');
    } catch (error) {
      if (JsonTooDeepError.isInstance(error)) throw error;
      return body;
    }
  }
  return body;
}
