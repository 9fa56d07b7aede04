import { renderTemplate, renderValue, scanPlaceholders, stringifyValue } from '../engine/template.js';
import type { ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import type { AddressPolicy } from './address-policy.js';
import { JsonTooDeepError, parseJsonBounded } from '../protocol/json-depth.js';
import { redactUrl } from '../protocol/redact-url.js';
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
interface ExternalConfig {
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeout?: number;
  timeoutMs?: number;
}

interface RenderedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The headers whose value carries a secret: they never follow a redirect to another origin. */
  secretHeaders: string[];
  bodyCarriesSecret: boolean;
}

export async function runExternalTool(
  tool: ResolvedTool,
  args: Record<string, unknown>,
  context: ToolCallContext,
  settings: HttpToolSettings,
): Promise<ToolOutcome> {
  const config = tool.config as ExternalConfig;
  if (typeof config.url !== 'string')
    return { ok: false, error: { code: 'TOOL_CONFIG', message: `external tool '${tool.name}' has no config.url` } };
  const request = renderRequest(config as ExternalConfig & { url: string }, args, context);
  // The rendered URL may hold secrets: the message shows the template, without its credentials.
  if (!request)
    return {
      ok: false,
      error: {
        code: 'TOOL_CONFIG',
        message: `config.url (${redactUrl(config.url)}) does not render to a valid URL with these arguments`,
        field: 'config.url',
      },
    };
  const { url, method } = request;
  try {
    const response = await guardedFetch(
      {
        url: url.toString(),
        method,
        headers: request.headers,
        body: request.body,
        timeoutMs: config.timeoutMs ?? config.timeout ?? settings.timeoutMs,
        maxBytes: settings.maxResponseBytes,
        maxRedirects: 5,
        secretHeaders: request.secretHeaders,
        bodyCarriesSecret: request.bodyCarriesSecret,
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

/** The request a call makes from the tool's templates; null when the URL does not render to a valid one. */
function renderRequest(
  config: ExternalConfig & { url: string },
  args: Record<string, unknown>,
  context: ToolCallContext,
): RenderedRequest | null {
  const scope = { ...args, secrets: context.secrets };
  const encoded = Object.fromEntries(Object.entries(args).map(([key, value]) => [key, encodeURIComponent(stringifyValue(value))]));
  const rendered = renderTemplate(config.url, {
    ...encoded,
    secrets: Object.fromEntries(Object.entries(context.secrets).map(([key, value]) => [key, encodeURIComponent(value)])),
  }).text;
  const url = URL.parse(rendered);
  if (!url) return null;
  const method = (config.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  const secretHeaders: string[] = [];
  const carries = carriesSecret(context.secrets);
  for (const [name, template] of Object.entries(config.headers ?? {})) {
    const value = renderTemplate(String(template), scope).text;
    headers[name.toLowerCase()] = value;
    if (carries(String(template), value)) secretHeaders.push(name.toLowerCase());
  }
  let body: string | undefined;
  let bodyCarriesSecret = false;
  if (config.body !== undefined) {
    const value = renderValue(config.body, scope, []);
    body = typeof value === 'string' ? value : JSON.stringify(value);
    bodyCarriesSecret = namesSecret(JSON.stringify(config.body));
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
  return { url, method, headers, body, secretHeaders, bodyCarriesSecret };
}

/** Whether a template names one of the run's secrets (`{{secrets.k}}`, `{{secret:K}}`). */
function namesSecret(template: string): boolean {
  return scanPlaceholders(template).some(({ expression }) => /^secrets?\b/.test(expression));
}

/**
 * Whether a rendered header carries one of the run's secrets: its template names one, or the value holds one as
 * it is (an argument that repeats a secret). Headers are short, so looking for each secret in them is cheap.
 */
function carriesSecret(secrets: Record<string, string>): (template: string, value: string) => boolean {
  const values = Object.values(secrets).filter((secret) => secret !== '');
  return (template, value) => namesSecret(template) || values.some((secret) => value.includes(secret));
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
