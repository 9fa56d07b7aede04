import { APICallError } from '@ai-sdk/provider';
import { FlowrunError } from '../protocol/errors.js';
import { endpointOf } from './provider-endpoint.js';
import { type Route } from './model-router.js';
import type { ProviderSettings } from './provider-settings.js';

const networkErrorCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

export function isRetryable(error: unknown): boolean {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    return status === undefined ? error.isRetryable : status === 408 || status === 409 || status === 429 || status >= 500;
  }
  if (FlowrunError.isInstance(error)) return false;
  // Network failures (connection refused or reset) surface as TypeError from fetch, and with a code from undici.
  return error instanceof TypeError || networkErrorCodes.has((error as { code?: string })?.code ?? '');
}

export function toFlowrunError(error: unknown, route: Exclude<Route, { kind: 'echo' }>, settings: ProviderSettings): FlowrunError {
  if (FlowrunError.isInstance(error)) return error;
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    const detail = providerMessage(error.responseBody) ?? error.message;
    // OpenAI-compatible servers answer an unknown model with 404: no retry helps, unlike the 5xx PROVIDER_ERROR stands for.
    if (error.statusCode === 404)
      return new FlowrunError(
        'UNKNOWN_MODEL',
        `${route.provider} returned 404 for ${route.modelId}: ${detail} (the model does not exist there, or the provider's base URL is wrong)`,
        [],
        { cause: error },
      );
    return new FlowrunError('PROVIDER_ERROR', `${route.provider} returned ${error.statusCode} for ${route.modelId}: ${detail}`, [], {
      cause: error,
    });
  }
  // No answer at all (refused, reset, unreachable): say where it was sent and which setting points there.
  const { url, setting } = endpointOf(route, settings);
  const reason = (error as Error)?.message ?? String(error);
  return new FlowrunError(
    'PROVIDER_ERROR',
    `${route.provider} did not answer at ${url} for ${route.modelId} (${reason}): check that it runs and is reachable, or point ${setting} at the right address`,
    [],
    { cause: error },
  );
}

function providerMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    return message?.slice(0, 500);
  } catch {
    return body.slice(0, 200);
  }
}
