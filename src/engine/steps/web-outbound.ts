import { FlowrunError } from '../../protocol/errors.js';
import type { WebAccess } from '../ports.js';
import type { StepContext } from '../run-context.js';
import { renderTemplate, renderValue, scanPlaceholders } from '../template.js';

/** The web access the web steps need; a runner without one (none wired) fails the step saying so. */
export function webOf(context: StepContext, stepType: string): WebAccess {
  const web = context.deps.tools.web;
  if (!web) throw new FlowrunError('DEPENDENCY_UNAVAILABLE', `${stepType} steps need outbound web access, which this server does not have`);
  return web;
}

/** Whether a template names a secret (`{{secret:KEY}}` or `{{secrets.k}}`): its rendered value never goes to another origin. */
export function namesSecret(template: string): boolean {
  return scanPlaceholders(template).some(({ expression }) => /^secrets?\b/.test(expression));
}

export interface RenderedOutbound {
  url: string;
  headers: Record<string, string>;
  body?: string;
  secretHeaders: string[];
  bodyCarriesSecret: boolean;
  /** Whether any part of the request carries a secret. */
  carriesSecret: boolean;
}

/**
 * A web step's request rendered over the run's scope: `{{variables}}` and `{{secret:KEY}}` (SECRET_NOT_FOUND
 * naming the key when the tenant has not). Names that render as nothing are added to `unresolved`.
 */
export function renderOutbound(
  request: { url: string; headers?: Record<string, string>; body?: unknown },
  context: StepContext,
  unresolved: string[],
): RenderedOutbound {
  const scope = context.scope();
  const render = (text: string) => {
    const rendered = renderTemplate(text, scope);
    for (const name of rendered.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
    return rendered.text;
  };
  const headers: Record<string, string> = {};
  const secretHeaders: string[] = [];
  for (const [name, template] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = render(template);
    if (namesSecret(template)) secretHeaders.push(name.toLowerCase());
  }
  let body: string | undefined;
  let bodyCarriesSecret = false;
  if (request.body !== undefined) {
    const value = renderValue(request.body, scope, unresolved);
    body = typeof value === 'string' ? value : JSON.stringify(value);
    bodyCarriesSecret = namesSecret(JSON.stringify(request.body));
    headers['content-type'] ??= 'application/json';
  }
  const url = render(request.url);
  return {
    url,
    headers,
    ...(body !== undefined ? { body } : {}),
    secretHeaders,
    bodyCarriesSecret,
    carriesSecret: namesSecret(request.url) || secretHeaders.length > 0 || bodyCarriesSecret,
  };
}

/** A URL a web step was given, parsed: http(s) only, else INVALID_VALUE naming the field (the rendered URL is not shown: it may hold a secret). */
export function parseWebUrl(url: string, field: string, stepName: string): URL {
  const parsed = URL.parse(url.trim());
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    const message = `step '${stepName}': ${field.split('.').pop()} does not render to an http(s) URL`;
    throw new FlowrunError('INVALID_VALUE', message, [{ code: 'INVALID_VALUE', message, path: field }]);
  }
  return parsed;
}

/** The time left of a step's `timeoutMs`, on the engine's clock. */
export function deadlineOf(context: StepContext, timeoutMs: number): { remaining(): number } {
  const end = context.deps.clock.now() + timeoutMs;
  return { remaining: () => end - context.deps.clock.now() };
}

/** The UTF-8 size of a text, without encoding it. */
export function utf8Length(text: string): number {
  let size = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) size += 1;
    else if (code < 0x800) size += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      size += 4;
      index++;
    } else size += 3;
  }
  return size;
}
