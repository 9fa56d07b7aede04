import type { WebAccess, WebRequest, WebResponse } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import type { AddressPolicy } from './address-policy.js';
import { packGithub } from './github-pack.js';
import { guardedFetch, OutboundRequestError } from './guarded-http.js';
import { readPage } from './read-page.js';
import { searchWeb, type SearchSettings } from './web-search.js';

export interface WebAccessSettings extends SearchSettings {
  policy: AddressPolicy;
  /** GitHub's REST API (FLOWRUN_GITHUB_API_URL; https://api.github.com by default). */
  githubApiUrl: string;
}

/** The web steps' outbound access: every request through `guardedFetch` (the SSRF guard, checked at connect time). */
export function createWebAccess(settings: WebAccessSettings): WebAccess {
  const request = async (outbound: WebRequest): Promise<WebResponse> => {
    try {
      return await guardedFetch(
        {
          url: outbound.url,
          method: outbound.method,
          headers: outbound.headers,
          ...(outbound.body !== undefined ? { body: outbound.body } : {}),
          timeoutMs: Math.max(1, Math.min(outbound.timeoutMs ?? settings.http.timeoutMs, 300_000)),
          maxBytes: outbound.maxBytes ?? settings.http.maxResponseBytes,
          maxRedirects: outbound.maxRedirects ?? 5,
          secretHeaders: outbound.secretHeaders ?? [],
          bodyCarriesSecret: outbound.bodyCarriesSecret ?? false,
          signal: outbound.signal,
        },
        settings.policy,
      );
    } catch (error) {
      throw asFlowrunError(error, outbound.signal);
    }
  };
  return {
    request,
    async search({ query, maxResults, provider, signal }) {
      try {
        return await searchWeb({ query, count: maxResults, provider, signal }, settings, settings.policy);
      } catch (error) {
        throw asFlowrunError(error, signal);
      }
    },
    readPage,
    packGithub: (pack) => packGithub(pack, settings.githubApiUrl, request, () => Date.now()),
  };
}

function asFlowrunError(error: unknown, signal: AbortSignal): FlowrunError {
  if (FlowrunError.isInstance(error)) return error;
  if (signal.aborted) return new FlowrunError('CANCELLED', 'the run was cancelled', [], { cause: error });
  if (error instanceof OutboundRequestError) return new FlowrunError(error.code, error.message, [], { cause: error });
  return new FlowrunError('HTTP_ERROR', (error as Error).message, [], { cause: error });
}
